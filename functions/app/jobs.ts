import type { Clock, IdGenerator } from '#ports/clock.ts';
import type { EventStore, WalletPageRequest } from '#ports/event-store.ts';
import type {
  Job,
  JobChange,
  JobCounters,
  JobMessage,
  JobParams,
  JobQueue,
  JobReport,
  JobSegment,
  JobStore,
  RepublishJobParams,
  WalletJobParams,
} from '#ports/jobs.ts';
import { zeroCounters } from './job-counters.ts';

/** Parallel parts of a job over every wallet (Scan segments); each walks its pages one message at a time. */
export const JOB_SEGMENTS = 8;

/** Wallets of one page worked on at once. */
export const WALLETS_IN_FLIGHT = 8;

/** A job's report lists this many changed wallets per segment. */
export const CHANGES_PER_SEGMENT = 10;

/** What one wallet contributed to a job: counters to add, and a line for the report when it changed. */
export interface WalletOutcome {
  counters: Partial<JobCounters>;
  change?: JobChange;
}

/** What one page of a job did, recorded by the job store. */
export interface JobPageWork {
  counters: Partial<JobCounters>;
  changes: JobChange[];
  nextCursor: string | null;
}

export interface JobDeps {
  store: Pick<EventStore, 'walletIds'>;
  jobs: JobStore;
  queue: JobQueue;
  clock: Clock;
  ids: IdGenerator;
  /** Does the job's work for one wallet (replay or backtest it); undefined when it has no events. */
  work: (params: WalletJobParams, walletId: string, jobId: string) => Promise<WalletOutcome | undefined>;
  /** The same for a page of wallets at once, in order, when it can share requests (makeJobPageWork). */
  workPage?: (
    params: WalletJobParams,
    walletIds: readonly string[],
    jobId: string,
  ) => Promise<(WalletOutcome | undefined)[]>;
  /**
   * Starts what every page of a job of this kind reads whatever its wallets (a replay: the
   * threshold in force), so that it is read with the page's other reads, not after them.
   */
  prefetch?: (kind: WalletJobParams['kind']) => Promise<void> | undefined;
  /**
   * A re-publish job's page (app/republish.ts): its pages walk the events recorded in its window,
   * not the wallets. Absent where jobs cannot publish; such a job's pages then fail (and park).
   */
  republish?: (params: RepublishJobParams, page: WalletPageRequest) => Promise<JobPageWork>;
}

/**
 * A re-publish job over [fromMs, toMs); 'not-over' while `toMs` is still to come (its walk would
 * see only part of a window still being written), and nothing is started.
 */
export async function startRepublishJob(
  deps: Omit<JobDeps, 'work' | 'store'>,
  window: { fromMs: number; toMs: number },
): Promise<Job | 'not-over'> {
  if (window.toMs > deps.clock.nowMs()) return 'not-over';
  return startJob(deps, { kind: 'republish', ...window });
}

/** Creates a job and queues the first page of every segment. */
export async function startJob(deps: Omit<JobDeps, 'work' | 'store'>, params: JobParams): Promise<Job> {
  const job: Job = {
    jobId: deps.ids.newId(),
    params,
    segments: JOB_SEGMENTS,
    createdAtMs: deps.clock.nowMs(),
  };
  await deps.jobs.create(job);
  await deps.queue.send(
    Array.from({ length: job.segments }, (_, segment) => pageMessage(job, segment, 0, null)),
  );
  return job;
}

/** The message of one page of a job: the page, and what the job is (JobMessage's `kind`, `segments`). */
export const pageMessage = (job: Job, segment: number, page: number, cursor: string | null): JobMessage => ({
  jobId: job.jobId,
  segment,
  page,
  cursor,
  kind: job.params.kind,
  segments: job.segments,
});

export type PageOutcome = 'done' | 'duplicate' | 'not-found';

/** Thrown when a message arrives before the page it continues was recorded: retry it later. */
export class PageNotReady extends Error {
  override readonly name = 'PageNotReady';
}

/**
 * Works one page of one segment: the wallets of one Scan page, then records the page (counted
 * once: the segment moves from page n to n + 1 only if it is at n) and queues the next one.
 * A redelivered message finds its page recorded and changes nothing; if the next page's message
 * was lost after the record, the redelivery queues it again.
 *
 * A message that says what its job is (a wallet job, its segments) has its wallets' Scan started
 * with the job's read: read-only, so nothing but the job's state decides what the page does; a
 * page that turns out a duplicate, or whose job is not what the message says, drops it.
 */
export async function runJobPage(
  deps: JobDeps,
  message: JobMessage,
  /**
   * The queue delivered this message before (SQS's receive count > 1): a run may have recorded
   * the page and died before queueing the next one. A first delivery of an already recorded page
   * is a duplicate send whose successor exists; re-queueing then would copy every later page.
   */
  redelivered = true,
): Promise<PageOutcome> {
  const early = startWalletPage(deps, message);
  try {
    return await runStartedPage(deps, message, redelivered, early);
  } finally {
    // Not left in flight past the answer: a frozen instance would stamp it fresh when thawed.
    await early?.settled;
  }
}

async function runStartedPage(
  deps: JobDeps,
  message: JobMessage,
  redelivered: boolean,
  early: ReturnType<typeof startWalletPage>,
): Promise<PageOutcome> {
  const state = await deps.jobs.get(message.jobId);
  const segment = state?.segments.find((candidate) => candidate.segment === message.segment);
  if (state === undefined || segment === undefined) return 'not-found';
  if (segment.page > message.page) {
    if (redelivered && segment.page === message.page + 1 && !segment.done) {
      await queueNext(deps, state.job, segment);
    }
    return 'duplicate';
  }
  if (segment.page < message.page) throw new PageNotReady(`job ${message.jobId} segment ${message.segment}`);

  const request = { segment: message.segment, segments: state.job.segments, cursor: message.cursor };
  const { params } = state.job;
  let page: JobPageWork;
  if (params.kind === 'republish') {
    if (deps.republish === undefined) throw new Error(`job ${message.jobId}: this runner cannot re-publish`);
    page = await deps.republish(params, request);
  } else {
    // The Scan depends on the segment, the segments and the cursor alone: it serves if the
    // message's segments are the job's.
    const scanned = early?.segments === state.job.segments ? early.page : undefined;
    page = await workWalletPage(deps, params, request, message.jobId, scanned);
  }
  const counters = zeroCounters();
  addCounters(counters, page.counters);
  const changes = [...page.changes].sort((a, b) =>
    a.walletId < b.walletId ? -1 : a.walletId > b.walletId ? 1 : 0,
  );
  const recorded = await deps.jobs.completePage(message.jobId, message.segment, message.page, {
    nextCursor: page.nextCursor,
    counters,
    changes: [...segment.changes, ...changes].slice(0, CHANGES_PER_SEGMENT),
    finishedAtMs: deps.clock.nowMs(),
  });
  if (recorded === 'stale') return 'duplicate';
  if (page.nextCursor !== null) {
    await deps.queue.send([pageMessage(state.job, message.segment, message.page + 1, page.nextCursor)]);
  }
  return 'done';
}

type WalletPage = Awaited<ReturnType<JobDeps['store']['walletIds']>>;

/**
 * The Scan of a wallet job's page and the reads of its kind, started from what the message says
 * the job is, before the job is read; undefined unless the message says it is a page of a job
 * over every wallet, and in how many segments.
 */
function startWalletPage(
  deps: JobDeps,
  message: JobMessage,
): { segments: number; page: Promise<WalletPage>; settled: Promise<unknown> } | undefined {
  const { kind, segments } = message;
  if ((kind !== 'replay' && kind !== 'backtest') || segments === undefined) return undefined;
  const settled = deps.prefetch?.(kind) ?? Promise.resolve();
  const page = deps.store.walletIds({ segment: message.segment, segments, cursor: message.cursor });
  // Awaited only if the job read finds the page to run; otherwise its failure concerns no one.
  page.catch(() => undefined);
  return { segments, page, settled };
}

/**
 * One page of a job over every wallet: the wallets of one Scan page (`scanned` when it was started
 * before the job was read), each worked by the job's kind.
 */
async function workWalletPage(
  deps: JobDeps,
  params: WalletJobParams,
  request: WalletPageRequest,
  jobId: string,
  scanned?: Promise<WalletPage>,
): Promise<JobPageWork> {
  // Again when the message said it already: the kind's reads are kept where they are made
  // (makeJobPrefetch), and the message may not have named this kind.
  const settled = deps.prefetch?.(params.kind);
  let page: WalletPage;
  try {
    page = await (scanned ?? deps.store.walletIds(request));
  } finally {
    await settled;
  }
  const counters = zeroCounters();
  const changes: JobChange[] = [];
  const collect = (outcome: WalletOutcome | undefined) => {
    if (outcome === undefined) return;
    addCounters(counters, outcome.counters);
    if (outcome.change !== undefined) changes.push(outcome.change);
  };
  if (deps.workPage !== undefined) {
    for (const outcome of await deps.workPage(params, page.walletIds, jobId)) collect(outcome);
  } else {
    await forEachLimited(page.walletIds, WALLETS_IN_FLIGHT, async (walletId) => {
      collect(await deps.work(params, walletId, jobId));
    });
  }
  return { counters, changes, nextCursor: page.nextCursor };
}

/**
 * Queues again the next page of every unfinished segment of every job: for a restart after the
 * queue lost its messages (the local runtime's in-process SQS keeps nothing when it stops). Safe
 * whatever is still queued: a page delivered twice is counted once. Answers how many were queued.
 */
export async function resumeJobs(deps: Pick<JobDeps, 'jobs' | 'queue'>): Promise<number> {
  const unfinished = await deps.jobs.unfinishedSegments();
  for (const { job, segment } of unfinished) await queueNext(deps, job, segment);
  return unfinished.length;
}

async function queueNext(deps: Pick<JobDeps, 'queue'>, job: Job, segment: JobSegment): Promise<void> {
  await deps.queue.send([pageMessage(job, segment.segment, segment.page, segment.cursor)]);
}

/** The job as a whole: counters summed over segments, done when every segment is. */
export function jobReport(job: Job, segments: readonly JobSegment[]): JobReport {
  const counters = zeroCounters();
  for (const segment of segments) addCounters(counters, segment.counters);
  const segmentsDone = segments.filter((segment) => segment.done).length;
  const done = segmentsDone === job.segments;
  return {
    ...job,
    status: done ? 'done' : 'running',
    segmentsDone,
    finishedAtMs: done
      ? Math.max(...segments.map((segment) => segment.finishedAtMs ?? job.createdAtMs))
      : null,
    counters,
    changes: segments.flatMap((segment) => segment.changes),
  };
}

/** Adds `add` into `into` (missing counters count 0). */
export function addCounters(into: JobCounters, add: Partial<JobCounters>): void {
  into.wallets += add.wallets ?? 0;
  into.events += add.events ?? 0;
  into.changed += add.changed ?? 0;
  into.written += add.written ?? 0;
  into.facts += add.facts ?? 0;
  into.walletsWithDifference += add.walletsWithDifference ?? 0;
  into.awardedPoints += add.awardedPoints ?? 0n;
  into.candidatePoints += add.candidatePoints ?? 0n;
  into.adjustmentsAppended += add.adjustmentsAppended ?? 0;
  into.ruleErrors += add.ruleErrors ?? 0;
  into.scanned += add.scanned ?? 0;
  into.published += add.published ?? 0;
  into.rejected += add.rejected ?? 0;
}

/** Runs `work` over `items`, at most `limit` at once; the first failure fails the whole. */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
