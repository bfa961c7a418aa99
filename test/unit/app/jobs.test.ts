import { beforeEach, describe, expect, it, vi } from 'vitest';
import { canonicalJson, sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { ActiveRuleSets, RuleSetVersions } from '#app/active-rules.ts';
import { HeadCache } from '#app/head-cache.ts';
import { ingestEvent } from '#app/ingest.ts';
import { zeroCounters } from '#app/job-counters.ts';
import { type JobWorkDeps, makeJobPageWork, makeJobPrefetch, makeJobWork } from '#app/job-work.ts';
import {
  CHANGES_PER_SEGMENT,
  JOB_SEGMENTS,
  type JobDeps,
  jobReport,
  PageNotReady,
  type PageOutcome,
  resumeJobs,
  runJobPage,
  startJob,
} from '#app/jobs.ts';
import { readWallet } from '#app/read-events.ts';
import { projectWallet } from '#app/wallet-projection.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import { rebuildView } from '#domain/wallet-view.ts';
import type { WalletPageRequest } from '#ports/event-store.ts';
import type { Job, JobMessage, JobParams, JobSegment } from '#ports/jobs.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import { InMemoryJobQueue, InMemoryJobStore } from '../../support/in-memory-job-store.ts';
import { InMemoryRuleSetStore } from '../../support/in-memory-rule-set-store.ts';
import { appendDeposit } from '../../support/lane-zero-writes.ts';

const CONFIG: ThresholdConfig = { thresholdMinor: 1_000_000n, windowMs: 120_000, retainMax: 16 };
const T0 = Date.parse('2026-11-22T10:00:00Z');
/** 21 wallets over 8 segments: five segments of 3 wallets (two pages of 2), three of 2 (one page). */
const WALLET_COUNT = 21;
const PAGE_SIZE = 2;

let store: InMemoryEventStore;
let ruleSets: InMemoryRuleSetStore;
let jobs: InMemoryJobStore;
let queue: InMemoryJobQueue;
let nowMs: number;
let deps: JobDeps;
let workDeps: JobWorkDeps;
/** Every wallet the job's work was called for, in order. */
let worked: string[];
let walletIds: string[];

const clock = { nowMs: () => nowMs };

beforeEach(async () => {
  store = new InMemoryEventStore({ pageSize: PAGE_SIZE });
  ruleSets = new InMemoryRuleSetStore();
  jobs = new InMemoryJobStore();
  queue = new InMemoryJobQueue();
  nowMs = T0;
  worked = [];
  let ids = 0;
  const idGenerator = { newId: () => `id-${++ids}` };
  workDeps = {
    events: store,
    readModels: store,
    ruleSets: new RuleSetVersions(ruleSets, sha256Hex),
    config: async () => CONFIG,
    hash: sha256Hex,
    clock,
    ids: idGenerator,
  };
  const work = makeJobWork(workDeps);
  deps = {
    store,
    jobs,
    queue,
    clock,
    ids: idGenerator,
    work: async (params, walletId, jobId) => {
      worked.push(walletId);
      return work(params, walletId, jobId);
    },
  };
  // Wallet i: i % 3 + 1 deposits, and from i = 10 on, an answer_is_liked fact (250 points) and a
  // trade of i units (5 points a unit from 10 units on).
  const ingest = {
    store,
    clock,
    ids: idGenerator,
    heads: new HeadCache(),
    rules: new ActiveRuleSets(ruleSets, clock, sha256Hex, Number.POSITIVE_INFINITY),
    hash: sha256Hex,
    canonicalJson,
  };
  walletIds = Array.from({ length: WALLET_COUNT }, (_, i) => `w${String(i).padStart(2, '0')}`);
  for (const [i, walletId] of walletIds.entries()) {
    for (let d = 0; d < (i % 3) + 1; d++) {
      await appendDeposit(store, walletId, 1_000n * BigInt(d + 1), {
        eventId: `${walletId}-d${d}`,
        occurredAtMs: T0 + d * 1_000,
        recordedAtMs: T0 + d,
      });
    }
    if (i >= 10) {
      const base = {
        specversion: '1.0',
        source: 'qa-app',
        subject: walletId,
        time: '2026-11-22T10:05:00Z',
      } as const;
      for (const event of [
        { ...base, id: `${walletId}-like`, type: 'answer_is_liked', data: {} },
        { ...base, id: `${walletId}-trade`, type: 'trade', data: { qty: i } },
      ]) {
        expect((await ingestEvent(ingest, event)).kind).toBe('recorded');
      }
    }
  }
});

/** Works every queued message, oldest first, until the queue is empty. */
async function drain(): Promise<[JobMessage, PageOutcome][]> {
  const outcomes: [JobMessage, PageOutcome][] = [];
  for (let message = queue.take(); message !== undefined; message = queue.take()) {
    nowMs += 10;
    outcomes.push([message, await runJobPage(deps, message)]);
  }
  return outcomes;
}

async function report(jobId: string) {
  const state = await jobs.get(jobId);
  if (state === undefined) throw new Error(`no job ${jobId}`);
  return jobReport(state.job, state.segments);
}

const sorted = (values: string[]) => [...values].sort();
const eventsOf = async (ids: readonly string[]) => {
  let count = 0;
  for (const walletId of ids) count += (await readWallet(store, walletId)).length;
  return count;
};

const REPLAY: JobParams = { kind: 'replay', dryRun: false };

describe('a replay job over every wallet', () => {
  it('works every wallet exactly once across segments and pages, and reports the sums', async () => {
    // Three wallets are up to date already: their replay finds nothing to change.
    for (const walletId of ['w00', 'w07', 'w15']) await projectWallet(store, store, walletId, CONFIG);

    const job = await startJob(deps, REPLAY);
    expect(job.segments).toBe(JOB_SEGMENTS);
    expect(queue.pending).toEqual(
      Array.from({ length: JOB_SEGMENTS }, (_, segment) => ({
        jobId: job.jobId,
        segment,
        page: 0,
        cursor: null,
        kind: 'replay',
        segments: JOB_SEGMENTS,
      })),
    );
    const outcomes = await drain();

    expect(outcomes.every(([, outcome]) => outcome === 'done')).toBe(true);
    // Five segments needed a second page: 8 + 5 messages.
    expect(queue.sent.filter((message) => message.page === 1)).toHaveLength(5);
    expect(queue.sent).toHaveLength(13);
    expect(sorted(worked)).toEqual(walletIds);

    const done = await report(job.jobId);
    expect(done.status).toBe('done');
    expect(done.segmentsDone).toBe(JOB_SEGMENTS);
    expect(done.finishedAtMs).toBe(nowMs);
    expect(done.counters).toEqual({
      ...zeroCounters(),
      wallets: WALLET_COUNT,
      events: await eventsOf(walletIds),
      changed: WALLET_COUNT - 3,
      written: WALLET_COUNT - 3,
    });
    expect(sorted(done.changes.map((change) => change.walletId))).toEqual(
      walletIds.filter((walletId) => !['w00', 'w07', 'w15'].includes(walletId)),
    );
    for (const walletId of walletIds) {
      expect(await store.getView(walletId)).toEqual(
        rebuildView(walletId, await readWallet(store, walletId), CONFIG),
      );
    }
  });

  it('pages through workPage (as run-jobs does): the same sums and views, a page written together', async () => {
    for (const walletId of ['w00', 'w07', 'w15']) await projectWallet(store, store, walletId, CONFIG);
    const pageWork = makeJobPageWork(workDeps);
    const writes: string[][] = [];
    const putViews = store.putViews.bind(store);
    store.putViews = async (views) => {
      writes.push(views.map((view) => view.walletId));
      return putViews(views);
    };
    deps.workPage = async (params, ids, jobId) => {
      worked.push(...ids);
      return pageWork(params, ids, jobId);
    };
    const job = await startJob(deps, REPLAY);
    await drain();
    const done = await report(job.jobId);
    expect(done.counters).toEqual({
      ...zeroCounters(),
      wallets: WALLET_COUNT,
      events: await eventsOf(walletIds),
      changed: WALLET_COUNT - 3,
      written: WALLET_COUNT - 3,
    });
    expect(sorted(worked)).toEqual(walletIds);
    // One write per page (13 pages), holding only the changed views: the 3 up-to-date are not written.
    expect(writes).toHaveLength(13);
    expect(sorted(writes.flat())).toEqual(walletIds.filter((id) => !['w00', 'w07', 'w15'].includes(id)));
    for (const walletId of walletIds) {
      expect(await store.getView(walletId)).toEqual(
        rebuildView(walletId, await readWallet(store, walletId), CONFIG),
      );
    }
  });

  it('a dry run changes no view and writes nothing', async () => {
    const job = await startJob(deps, { kind: 'replay', dryRun: true });
    await drain();
    const done = await report(job.jobId);
    expect(done.status).toBe('done');
    expect(done.counters).toMatchObject({ wallets: WALLET_COUNT, changed: WALLET_COUNT, written: 0 });
    for (const walletId of walletIds) expect(await store.getView(walletId)).toBeUndefined();
  });

  it('keeps at most CHANGES_PER_SEGMENT changes per segment, the first ones found', async () => {
    // A job of one segment (written as startJob would): all 21 wallets, 11 pages of up to 2.
    const job: Job = { jobId: 'one-segment', params: REPLAY, segments: 1, createdAtMs: nowMs };
    await jobs.create(job);
    await queue.send([{ jobId: job.jobId, segment: 0, page: 0, cursor: null }]);
    const outcomes = await drain();
    expect(outcomes.map(([message]) => message.page)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const done = await report(job.jobId);
    expect(done.status).toBe('done');
    expect(done.counters.changed).toBe(WALLET_COUNT);
    expect(done.changes.map((change) => change.walletId)).toEqual(walletIds.slice(0, CHANGES_PER_SEGMENT));
    expect(sorted(worked)).toEqual(walletIds);
  });
});

describe('page messages delivered more than once, early, or lost', () => {
  it('a redelivered page is a duplicate: no work, no second count', async () => {
    const job = await startJob(deps, REPLAY);
    const first = queue.take() as JobMessage;
    expect(await runJobPage(deps, first)).toBe('done');
    const afterFirst = (await jobs.get(job.jobId))?.segments[0];
    const workedFirst = [...worked];
    expect(workedFirst).toEqual(['w00', 'w08']);

    expect(await runJobPage(deps, first)).toBe('duplicate');
    expect(worked).toEqual(workedFirst);
    expect((await jobs.get(job.jobId))?.segments[0]).toEqual(afterFirst);

    await drain();
    const done = await report(job.jobId);
    expect(done.status).toBe('done');
    expect(done.counters.wallets).toBe(WALLET_COUNT);
    expect(done.counters.events).toBe(await eventsOf(walletIds));
    expect(sorted(worked)).toEqual(walletIds);
  });

  it('the same page worked twice at once is counted once', async () => {
    const job = await startJob(deps, REPLAY);
    const first = queue.take() as JobMessage;
    const outcomes = await Promise.all([runJobPage(deps, first), runJobPage(deps, { ...first })]);
    expect([...outcomes].sort()).toEqual(['done', 'duplicate']);
    expect(jobs.completions.map((entry) => entry.outcome).sort()).toEqual(['recorded', 'stale']);
    const segment = (await jobs.get(job.jobId))?.segments[0];
    expect(segment?.page).toBe(1);
    expect(segment?.counters.wallets).toBe(2);
    // The next page was queued once, by the copy that recorded the page.
    expect(queue.pending.filter((message) => message.segment === 0)).toHaveLength(1);
  });

  it('a message for a page not reached yet throws PageNotReady and records nothing', async () => {
    const job = await startJob(deps, REPLAY);
    const early: JobMessage = { jobId: job.jobId, segment: 0, page: 1, cursor: '2' };
    await expect(runJobPage(deps, early)).rejects.toBeInstanceOf(PageNotReady);
    expect(worked).toEqual([]);
    expect(jobs.completions).toEqual([]);
    // Once page 0 is recorded, the same message is the one expected.
    expect(await runJobPage(deps, queue.take() as JobMessage)).toBe('done');
    queue.pending = queue.pending.filter((message) => message.segment !== 0);
    expect(await runJobPage(deps, early)).toBe('done');
    expect((await jobs.get(job.jobId))?.segments[0]).toMatchObject({ page: 2, done: true, cursor: null });
  });

  it('a message of an unknown job or segment is not-found', async () => {
    const job = await startJob(deps, REPLAY);
    expect(await runJobPage(deps, { jobId: 'nope', segment: 0, page: 0, cursor: null })).toBe('not-found');
    expect(await runJobPage(deps, { jobId: job.jobId, segment: JOB_SEGMENTS, page: 0, cursor: null })).toBe(
      'not-found',
    );
    expect(worked).toEqual([]);
  });

  it('a lost next-page message is queued again when its predecessor is redelivered', async () => {
    const job = await startJob(deps, REPLAY);
    const first = queue.take() as JobMessage;
    expect(await runJobPage(deps, first)).toBe('done');
    const next = queue.pending.find((message) => message.segment === 0);
    expect(next).toEqual({
      jobId: job.jobId,
      segment: 0,
      page: 1,
      cursor: '2',
      kind: 'replay',
      segments: JOB_SEGMENTS,
    });
    // Lost (say, the send failed after the page was recorded).
    queue.pending = queue.pending.filter((message) => message !== next);
    await drain();
    const stuck = await report(job.jobId);
    expect(stuck.status).toBe('running');
    expect(stuck.segmentsDone).toBe(JOB_SEGMENTS - 1);
    expect(stuck.finishedAtMs).toBeNull();
    expect(worked).not.toContain('w16');

    // SQS delivers page 0 again: it was counted, and the page after it is queued again.
    expect(await runJobPage(deps, first)).toBe('duplicate');
    expect(queue.pending).toEqual([next]);
    expect(await drain()).toEqual([[next, 'done']]);
    const done = await report(job.jobId);
    expect(done.status).toBe('done');
    expect(done.counters.wallets).toBe(WALLET_COUNT);
    expect(sorted(worked)).toEqual(walletIds);

    // A redelivery of a finished segment's last page queues nothing.
    expect(await runJobPage(deps, next as JobMessage)).toBe('duplicate');
    expect(queue.pending).toEqual([]);
  });
});

describe('resuming jobs whose queue lost its messages (a local restart)', () => {
  it('queues the next page of every unfinished segment; the job finishes with every wallet counted once', async () => {
    const finished = await startJob(deps, REPLAY);
    await drain();
    const job = await startJob(deps, REPLAY);
    // Some pages run, then the queue is lost with everything in it.
    for (let i = 0; i < 5; i++) await runJobPage(deps, queue.take() as JobMessage);
    queue.pending = [];
    const before = await report(job.jobId);
    expect(before.status).toBe('running');
    worked = [];

    const queued = await resumeJobs(deps);
    // The finished job has nothing to resume; every segment of the other that is not done is queued.
    expect(queued).toBe(JOB_SEGMENTS - before.segmentsDone);
    expect(queue.pending.every((message) => message.jobId === job.jobId)).toBe(true);
    // Resumed twice (a restart during the restart): the extra pages are duplicates, counted once.
    expect(await resumeJobs(deps)).toBe(queued);
    const outcomes = await drain();
    expect(outcomes.filter(([, outcome]) => outcome === 'duplicate')).toHaveLength(queued);

    const done = await report(job.jobId);
    expect(done.status).toBe('done');
    expect(done.counters.wallets).toBe(WALLET_COUNT);
    expect(done.counters.events).toBe(await eventsOf(walletIds));
    // Only the wallets the lost pages held were worked, each once.
    expect(new Set(worked).size).toBe(worked.length);
    expect(worked.length).toBe(WALLET_COUNT - before.counters.wallets);
    expect((await report(finished.jobId)).status).toBe('done');
    expect(await resumeJobs(deps)).toBe(0);
  });
});

describe('a backtest job', () => {
  const V1 = 'event_type=="answer_is_liked", 300\nevent_type == "trade" && data.qty >= 5, data.qty * 2';

  it('applied twice appends once; a dry run afterwards shows no difference', async () => {
    await ruleSets.publish({ text: V1, textHash: sha256Hex(V1), publishedAtMs: nowMs });
    const apply = await startJob(deps, { kind: 'backtest', ruleSetVersion: 1, apply: true });
    await drain();
    const first = await report(apply.jobId);
    // Wallets w10…w20: each like 250 → 300; each trade of i units 5i → 2i.
    const facts = walletIds.slice(10);
    const awarded = facts.reduce((sum, _w, k) => sum + 250n + 5n * BigInt(10 + k), 0n);
    const candidate = facts.reduce((sum, _w, k) => sum + 300n + 2n * BigInt(10 + k), 0n);
    expect(first.status).toBe('done');
    expect(first.counters).toMatchObject({
      wallets: WALLET_COUNT,
      facts: 2 * facts.length,
      awardedPoints: awarded,
      candidatePoints: candidate,
      walletsWithDifference: facts.length,
      // Per wallet: the like and the trade each lose the old rule's award and gain the new one's.
      adjustmentsAppended: 4 * facts.length,
    });
    expect(first.changes.map((change) => change.walletId).sort()).toEqual(facts);

    worked = [];
    const again = await startJob(deps, { kind: 'backtest', ruleSetVersion: 1, apply: true });
    await drain();
    expect(sorted(worked)).toEqual(walletIds);
    expect((await report(again.jobId)).counters).toMatchObject({
      awardedPoints: candidate,
      candidatePoints: candidate,
      walletsWithDifference: 0,
      adjustmentsAppended: 0,
    });
    expect((await report(again.jobId)).changes).toEqual([]);

    const dry = await startJob(deps, { kind: 'backtest', rulesText: V1, apply: false });
    await drain();
    expect((await report(dry.jobId)).counters).toMatchObject({
      walletsWithDifference: 0,
      adjustmentsAppended: 0,
    });
  });
});

describe('jobReport', () => {
  const job: Job = { jobId: 'j1', params: REPLAY, segments: 3, createdAtMs: 1_000 };
  const segment = (n: number, done: boolean, finishedAtMs: number | null, wallets: number): JobSegment => ({
    segment: n,
    page: done ? 2 : 1,
    cursor: done ? null : 'c',
    done,
    finishedAtMs,
    counters: { ...zeroCounters(), wallets, events: wallets * 3, changed: 1, awardedPoints: BigInt(wallets) },
    changes: [{ walletId: `w-${n}` }],
  });

  it('sums the counters of every segment and is running until every segment is done', () => {
    const running = jobReport(job, [
      segment(0, true, 5_000, 2),
      segment(1, false, 4_000, 3),
      segment(2, true, 6_000, 4),
    ]);
    expect(running).toEqual({
      ...job,
      status: 'running',
      segmentsDone: 2,
      finishedAtMs: null,
      counters: { ...zeroCounters(), wallets: 9, events: 27, changed: 3, awardedPoints: 9n },
      changes: [{ walletId: 'w-0' }, { walletId: 'w-1' }, { walletId: 'w-2' }],
    });
  });

  it('is done, at the last segment finish, when every segment is', () => {
    const done = jobReport(job, [
      segment(0, true, 5_000, 2),
      segment(1, true, 7_000, 3),
      segment(2, true, 6_000, 4),
    ]);
    expect(done.status).toBe('done');
    expect(done.segmentsDone).toBe(3);
    expect(done.finishedAtMs).toBe(7_000);
  });

  it('is not done while a segment is missing from the answer', () => {
    const partial = jobReport(job, [segment(0, true, 5_000, 2), segment(1, true, 7_000, 3)]);
    expect(partial.status).toBe('running');
    expect(partial.finishedAtMs).toBeNull();
  });

  it('a fresh job: nothing counted, nothing done', async () => {
    const fresh = await startJob(deps, REPLAY);
    const state = await report(fresh.jobId);
    expect(state).toMatchObject({ status: 'running', segmentsDone: 0, finishedAtMs: null, changes: [] });
    expect(state.counters).toEqual(zeroCounters());
    await expect(jobs.create(fresh)).rejects.toThrow(/exists/);
  });
});

describe("a page whose message says what its job is: the page's reads start with the job's", () => {
  /** What the page asked for, in order: the job read and its answer, the Scan, the threshold. */
  let log: string[];

  beforeEach(() => {
    log = [];
    const get = jobs.get.bind(jobs);
    jobs.get = async (jobId) => {
      log.push('job read');
      // Answers a macrotask later, as a request does: whatever starts meanwhile waits with it.
      await new Promise((resolve) => setTimeout(resolve, 1));
      const state = await get(jobId);
      log.push('job answered');
      return state;
    };
    const walletIdsOf = store.walletIds.bind(store);
    store.walletIds = async (request) => {
      log.push(`scan ${request.segment}/${request.segments}`);
      return walletIdsOf(request);
    };
    workDeps.config = async () => {
      log.push('threshold');
      return CONFIG;
    };
    const pageWork = makeJobPageWork(workDeps);
    deps.workPage = async (params, ids, jobId) => {
      worked.push(...ids);
      return pageWork(params, ids, jobId);
    };
    deps.prefetch = makeJobPrefetch(workDeps);
  });

  /**
   * Holds the answers of the job reads `held` names (counted from 1) until `release()`: each reads
   * the job when released, or, `readFirst`, reads it at once and answers that when released.
   */
  const holdJobReads = (held: (read: number) => boolean, readFirst = false) => {
    const get = jobs.get;
    let release = () => {};
    const open = new Promise<void>((resolve) => {
      release = resolve;
    });
    let reads = 0;
    jobs.get = async (jobId) => {
      if (!held(++reads)) return get(jobId);
      const state = readFirst ? await get(jobId) : undefined;
      await open;
      return readFirst ? state : get(jobId);
    };
    return { release: () => release() };
  };

  const precedes = (first: string, second: string) => {
    expect(log).toContain(first);
    expect(log.indexOf(first)).toBeLessThan(log.indexOf(second));
  };

  it("starts the Scan and a replay's threshold before the job read answers (one wait for the three)", async () => {
    const job = await startJob(deps, REPLAY);
    const first = queue.take() as JobMessage;
    expect(first).toMatchObject({ kind: 'replay', segments: JOB_SEGMENTS });
    expect(await runJobPage(deps, first)).toBe('done');
    precedes('scan 0/8', 'job answered');
    precedes('threshold', 'job answered');
    expect(log.filter((entry) => entry.startsWith('scan'))).toEqual(['scan 0/8']);
    expect(worked).toEqual(['w00', 'w08']);
    expect((await jobs.get(job.jobId))?.segments[0]).toMatchObject({ page: 1, cursor: '2' });
  });

  it('a message queued before messages said what their job is: the same page, its reads after the job read', async () => {
    const job = await startJob(deps, REPLAY);
    const { kind: _kind, segments: _segments, ...bare } = queue.take() as JobMessage;
    expect(await runJobPage(deps, bare)).toBe('done');
    precedes('job answered', 'scan 0/8');
    // The threshold is read with the Scan, not after it.
    expect(log.indexOf('threshold')).toBeGreaterThan(log.indexOf('job answered'));
    expect(worked).toEqual(['w00', 'w08']);
    expect((await jobs.get(job.jobId))?.segments[0]).toMatchObject({ page: 1, cursor: '2' });
  });

  it("a message whose segments are not the job's: its early Scan is dropped, the page is the job's", async () => {
    const job = await startJob(deps, REPLAY);
    const first = queue.take() as JobMessage;
    // Segment 0 of 1 would be w00, w01: not this job's segment 0.
    expect(await runJobPage(deps, { ...first, segments: 1 })).toBe('done');
    expect(log.filter((entry) => entry.startsWith('scan'))).toEqual(['scan 0/1', 'scan 0/8']);
    expect(worked).toEqual(['w00', 'w08']);
    await drain();
    const done = await report(job.jobId);
    expect(done.counters.wallets).toBe(WALLET_COUNT);
    expect(sorted(worked)).toEqual(walletIds);
  });

  it('a message that says replay for a re-publish job: the re-publish page runs, the Scan is dropped', async () => {
    const pages: WalletPageRequest[] = [];
    deps.republish = async (_params, request) => {
      pages.push(request);
      return { counters: { events: 0 }, changes: [], nextCursor: null };
    };
    const job: Job = {
      jobId: 'republish-1',
      params: { kind: 'republish', fromMs: T0, toMs: T0 + 1 },
      segments: 2,
      createdAtMs: nowMs,
    };
    await jobs.create(job);
    const message = { jobId: job.jobId, segment: 1, page: 0, cursor: null, kind: 'replay', segments: 2 };
    expect(await runJobPage(deps, message)).toBe('done');
    expect(pages).toEqual([{ segment: 1, segments: 2, cursor: null }]);
    expect(worked).toEqual([]);
    expect((await jobs.get(job.jobId))?.segments[1]).toMatchObject({ page: 1, done: true });
  });

  it('two workers race one page: the one whose job read answers after the other recorded works nothing', async () => {
    const job = await startJob(deps, REPLAY);
    const first = queue.take() as JobMessage;
    const gate = holdJobReads((read) => read === 1);
    // Two copies of the message (a duplicate send), each a first delivery.
    const late = runJobPage(deps, first, false);
    // The late worker's Scan is out before the other worker starts.
    expect(log).toContain('scan 0/8');
    expect(await runJobPage(deps, { ...first }, false)).toBe('done');
    gate.release();
    expect(await late).toBe('duplicate');
    // Its Scan was read and dropped: no wallet worked twice, the page counted once, queued on once.
    expect(log.filter((entry) => entry.startsWith('scan'))).toEqual(['scan 0/8', 'scan 0/8']);
    expect(worked).toEqual(['w00', 'w08']);
    expect(jobs.completions.map((entry) => entry.outcome)).toEqual(['recorded']);
    expect((await jobs.get(job.jobId))?.segments[0]?.counters.wallets).toBe(2);
    expect(queue.pending.filter((message) => message.segment === 0)).toHaveLength(1);
  });

  it('two workers race one page, both past the job read: one records, the other is stale and queues nothing', async () => {
    const job = await startJob(deps, REPLAY);
    const first = queue.take() as JobMessage;
    const gate = holdJobReads(() => true, true);
    const racing = [runJobPage(deps, first, false), runJobPage(deps, { ...first }, false)];
    // Both have read the job (at page 0) before either is answered.
    await vi.waitFor(() => expect(log.filter((entry) => entry === 'job answered')).toHaveLength(2));
    gate.release();
    const outcomes = await Promise.all(racing);
    expect([...outcomes].sort()).toEqual(['done', 'duplicate']);
    // Both read the job at page 0 before either recorded: both worked the page, one counted it.
    expect(sorted(worked)).toEqual(['w00', 'w00', 'w08', 'w08']);
    expect(jobs.completions.map((entry) => entry.outcome).sort()).toEqual(['recorded', 'stale']);
    expect((await jobs.get(job.jobId))?.segments[0]?.counters.wallets).toBe(2);
    expect(queue.pending.filter((message) => message.segment === 0)).toHaveLength(1);
  });

  it('an early Scan that fails: nothing is recorded, the page fails (and comes back); unasked by a duplicate, it is harmless', async () => {
    const job = await startJob(deps, REPLAY);
    const first = queue.take() as JobMessage;
    const walletIdsOf = store.walletIds;
    let failing = true;
    store.walletIds = async (request) => {
      if (failing) throw new Error('scan throttled');
      return walletIdsOf(request);
    };
    await expect(runJobPage(deps, first)).rejects.toThrow('scan throttled');
    expect(jobs.completions).toEqual([]);
    failing = false;
    expect(await runJobPage(deps, first)).toBe('done');
    // A redelivery: its Scan fails, and the job read says the page is done; no unhandled rejection.
    failing = true;
    expect(await runJobPage(deps, first)).toBe('duplicate');
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await jobs.get(job.jobId))?.segments[0]?.counters.wallets).toBe(2);
  });
});
