import { beforeEach, describe, expect, it } from 'vitest';
import { JOB_SEGMENTS, type JobDeps, jobReport, PageNotReady, runJobPage, startJob } from '#app/jobs.ts';
import { publishStreamBatch } from '#app/publish-stream.ts';
import { RepublishIncomplete, republishPage } from '#app/republish.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import type { EventBus, PublishedEvent, PublishOutcome } from '#ports/event-bus.ts';
import type { JobMessage, RepublishJobParams } from '#ports/jobs.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import { InMemoryJobQueue, InMemoryJobStore } from '../../support/in-memory-job-store.ts';

const SOURCE = 'tally/test';
const T0 = Date.parse('2026-12-07T05:00:00Z');
/** The window: [T0 + 100, T0 + 200). */
const WINDOW: RepublishJobParams = { kind: 'republish', fromMs: T0 + 100, toMs: T0 + 200 };
const WALLETS = 11;
const EVENTS_PER_WALLET = 6;
/** Three items a page: most segments take several pages. */
const PAGE_SIZE = 3;

/** A bus that keeps what it took; `fail` decides, per call, which events it does not take. */
class RecordingBus implements EventBus {
  readonly taken: PublishedEvent[] = [];
  /** How many events each publish carried. */
  readonly sizes: number[] = [];
  calls = 0;
  fail: (call: number, events: readonly PublishedEvent[]) => PublishOutcome['failed'] = () => [];
  async publish(events: readonly PublishedEvent[]): Promise<PublishOutcome> {
    this.calls += 1;
    this.sizes.push(events.length);
    const failed = this.fail(this.calls, events);
    const failedIds = new Set(failed.map((failure) => failure.id));
    this.taken.push(...events.filter((event) => !failedIds.has(event.id)));
    return { failed };
  }
}

let store: InMemoryEventStore;
let jobs: InMemoryJobStore;
let queue: InMemoryJobQueue;
let bus: RecordingBus;
let deps: JobDeps;
/** Every event stored, in the order written. */
let stored: RecordedEvent[];

beforeEach(async () => {
  store = new InMemoryEventStore({ pageSize: PAGE_SIZE });
  jobs = new InMemoryJobStore();
  queue = new InMemoryJobQueue();
  bus = new RecordingBus();
  let ids = 0;
  deps = {
    store,
    jobs,
    queue,
    clock: { nowMs: () => T0 + 10_000 },
    ids: { newId: () => `job-${++ids}` },
    work: async () => {
      throw new Error('a re-publish job works no wallet');
    },
    republish: (params, page) => republishPage({ events: store, bus, source: SOURCE }, params, page),
  };
  stored = [];
  // Wallet w's event e is recorded at T0 + 40e + w (w00's e3 at exactly fromMs): the window holds
  // two or three events of each wallet; `inWindow` says which, and the tests assert on that set.
  for (let w = 0; w < WALLETS; w++) {
    const walletId = `w${String(w).padStart(2, '0')}`;
    for (let e = 0; e < EVENTS_PER_WALLET; e++) {
      const recordedAtMs = T0 + 40 * e + (w === 0 && e === 3 ? -20 : w); // w00's e3 at exactly T0 + 100
      const event = {
        type: 'Deposited' as const,
        data: { amountMinor: BigInt(100 * (e + 1)), occurredAtMs: recordedAtMs },
        eventId: `${walletId}-e${e}`,
        recordedAtMs,
      };
      await store.append({ walletId, lane: 0, expected: await store.head(walletId, 0), events: [event] });
      stored.push({ ...event, walletId, lane: 0, version: e + 1 } as RecordedEvent);
    }
  }
  // One more at exactly `toMs` (excluded) and one just before it (included).
  for (const [walletId, recordedAtMs] of [
    ['edge-to', WINDOW.toMs],
    ['edge-before-to', WINDOW.toMs - 1],
  ] as const) {
    const event = {
      type: 'Deposited' as const,
      data: { amountMinor: 1n, occurredAtMs: recordedAtMs },
      eventId: `${walletId}-e0`,
      recordedAtMs,
    };
    await store.append({ walletId, lane: 0, expected: await store.head(walletId, 0), events: [event] });
    stored.push({ ...event, walletId, lane: 0, version: 1 } as RecordedEvent);
  }
});

const inWindow = (event: RecordedEvent) =>
  event.recordedAtMs >= WINDOW.fromMs && event.recordedAtMs < WINDOW.toMs;

/** What the outbox relay publishes for the window's events, delivered as stream records. */
async function relayPublishes(): Promise<PublishedEvent[]> {
  const relayBus = new RecordingBus();
  const records = stored.filter(inWindow).map((event, index) => ({
    itemIdentifier: String(index),
    key: { walletId: event.walletId, lane: event.lane, version: event.version },
  }));
  const outcome = await publishStreamBatch({ events: store, bus: relayBus, source: SOURCE }, records);
  expect(outcome.batchItemFailures).toEqual([]);
  return relayBus.taken;
}

const bytes = (events: readonly PublishedEvent[]) => events.map((event) => JSON.stringify(event)).sort();

/** Works queued messages until none is left; a page that throws is delivered again (SQS's retry). */
async function drain(): Promise<{ failures: unknown[]; messages: number }> {
  const failures: unknown[] = [];
  const redelivered = new Set<JobMessage>();
  let messages = 0;
  for (let message = queue.take(); message !== undefined; message = queue.take()) {
    messages += 1;
    try {
      await runJobPage(deps, message, redelivered.has(message));
    } catch (error) {
      failures.push(error);
      redelivered.add(message);
      queue.pending.push(message);
    }
  }
  return { failures, messages };
}

async function report(jobId: string) {
  const state = await jobs.get(jobId);
  if (state === undefined) throw new Error(`no job ${jobId}`);
  return jobReport(state.job, state.segments);
}

describe('a re-publish job', () => {
  it("publishes exactly the window's events, once each, as the byte-identical CloudEvents of the relay", async () => {
    const windowIds = stored.filter(inWindow).map((event) => event.eventId);
    expect(windowIds).toContain('w00-e3'); // recorded at exactly fromMs: in
    expect(windowIds).toContain('edge-before-to-e0');
    expect(windowIds).not.toContain('edge-to-e0'); // recorded at exactly toMs: out
    expect(windowIds.length).toBeGreaterThan(10);
    expect(windowIds.length).toBeLessThan(stored.length / 2);

    const job = await startJob(deps, WINDOW);
    const { failures } = await drain();

    expect(failures).toEqual([]);
    expect(bus.taken.map((event) => event.id).sort()).toEqual([...windowIds].sort());
    expect(bytes(bus.taken)).toEqual(bytes(await relayPublishes()));
    const done = await report(job.jobId);
    expect(done.status).toBe('done');
    expect(done.counters).toMatchObject({
      scanned: stored.length,
      events: windowIds.length,
      published: windowIds.length,
      rejected: 0,
      wallets: 0,
    });
  });

  it('walks the window page by page: every segment several pages, each page at most pageSize items', async () => {
    await startJob(deps, WINDOW);
    const { messages } = await drain();
    // 13 wallets of 6 or 1 events over 8 segments, 3 items a page: more pages than segments.
    expect(messages).toBeGreaterThan(JOB_SEGMENTS * 2);
    expect(queue.sent.every((message) => message.page === 0 || message.cursor !== null)).toBe(true);
    expect(jobs.completions.every((completion) => completion.outcome === 'recorded')).toBe(true);
    // No publish carried more than one page's events.
    expect(Math.max(...bus.sizes)).toBeLessThanOrEqual(PAGE_SIZE);
    expect(bus.sizes.length).toBeGreaterThan(1);
  });

  it('resumes after a crash mid-window: the failed page runs again, the job counts each event once', async () => {
    // The bus fails (retryably) every event of its 4th call, and the job store loses the record of
    // one page after its events went out (the run died between publish and record).
    bus.fail = (call, events) =>
      call === 4
        ? events.map((event) => ({ id: event.id, code: 'Throttled', message: 'x', retryable: true }))
        : [];
    const complete = jobs.completePage.bind(jobs);
    let lost = false;
    jobs.completePage = async (jobId, segment, page, result) => {
      if (!lost && segment === 3 && page === 1) {
        lost = true;
        throw new Error('the run died before recording its page');
      }
      return complete(jobId, segment, page, result);
    };
    const job = await startJob(deps, WINDOW);
    const { failures } = await drain();

    expect(failures.some((error) => error instanceof RepublishIncomplete)).toBe(true);
    expect(lost).toBe(true);
    const windowIds = stored.filter(inWindow).map((event) => event.eventId);
    // Every event of the window went out; a page run twice sent its events twice (same ids, same bytes).
    expect([...new Set(bus.taken.map((event) => event.id))].sort()).toEqual([...windowIds].sort());
    expect([...new Set(bytes(bus.taken))]).toEqual(bytes(await relayPublishes()));
    const done = await report(job.jobId);
    expect(done.status).toBe('done');
    expect(done.counters).toMatchObject({ scanned: stored.length, events: windowIds.length });
  });

  it('lists and counts an event no bus can take, and goes on', async () => {
    bus.fail = (_call, events) =>
      events
        .filter((event) => event.id === 'w05-e3')
        .map((event) => ({ id: event.id, code: 'EntryTooLarge', message: 'too large', retryable: false }));
    const job = await startJob(deps, WINDOW);
    const { failures } = await drain();
    expect(failures).toEqual([]);
    const done = await report(job.jobId);
    const windowCount = stored.filter(inWindow).length;
    expect(done.counters).toMatchObject({ events: windowCount, published: windowCount - 1, rejected: 1 });
    expect(done.changes).toEqual([
      {
        walletId: 'w05',
        lane: 0,
        version: 4,
        cloudEventId: 'w05-e3',
        code: 'EntryTooLarge',
        reason: 'too large',
      },
    ]);
  });

  it('fails its page, and records nothing, where the runner cannot re-publish', async () => {
    const { republish: _dropped, ...without } = deps;
    const job = await startJob(deps, WINDOW);
    const message = queue.take() as JobMessage;
    await expect(runJobPage(without, message)).rejects.toThrow(/cannot re-publish/);
    expect((await jobs.get(job.jobId))?.segments.every((segment) => segment.page === 0)).toBe(true);
    expect(bus.taken).toEqual([]);
    // A later page of the same segment is not ready until this one is recorded.
    await expect(runJobPage(deps, { ...message, page: 1 })).rejects.toBeInstanceOf(PageNotReady);
  });
});
