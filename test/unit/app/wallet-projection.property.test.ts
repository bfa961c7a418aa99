import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readWallet } from '#app/read-events.ts';
import { projectWallet } from '#app/wallet-projection.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import { rebuildView, type WalletView } from '#domain/wallet-view.ts';
import type { EventStore } from '#ports/event-store.ts';
import type { ReadModelStore } from '#ports/read-models.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';

const WALLETS = ['w1', 'w2'] as const;
const NUM_RUNS = 150;

interface Step {
  wallet: number;
  lane: number;
  amountMinor: bigint;
  quarterWindows: number;
  /** Doorbells this append rings (the stream delivers at least once). */
  copies: number;
  /** Whether the doorbell names the event's lane (a lane hint, as the stream handler passes). */
  hinted: boolean;
  /** How many pending store calls of running projectors may complete before the next append. */
  progress: number;
}

const steps = (lanes: number) =>
  fc.array(
    fc.record({
      wallet: fc.integer({ min: 0, max: WALLETS.length - 1 }),
      lane: fc.integer({ min: 0, max: lanes - 1 }),
      amountMinor: fc.bigInt({ min: 1n, max: 6_000n }),
      quarterWindows: fc.integer({ min: 0, max: 30 }),
      copies: fc.integer({ min: 1, max: 3 }),
      hinted: fc.boolean(),
      progress: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 40 })),
    }),
    { minLength: 1, maxLength: 25 },
  );

/**
 * The store as projectors see it: every call waits for the fast-check scheduler, so concurrent
 * projectors interleave their reads and writes in any order (and appends land in between).
 */
function scheduled(s: fc.Scheduler, store: InMemoryEventStore): EventStore & ReadModelStore {
  const turn = (label: string) => s.schedule(Promise.resolve(label), label);
  return {
    head: async (walletId, lane) => {
      await turn(`head ${walletId}/${lane}`);
      return store.head(walletId, lane);
    },
    lanes: async (walletId) => {
      await turn(`lanes ${walletId}`);
      return store.lanes(walletId);
    },
    append: (request) => store.append(request),
    appendTogether: (request) => store.appendTogether(request),
    verify: (walletId) => store.verify(walletId),
    walletIds: (page) => store.walletIds(page),
    read: async function* (walletId, lane, range) {
      const pages = store.read(walletId, lane, range);
      for (;;) {
        await turn(`read ${walletId}/${lane}`);
        const page = await pages.next();
        if (page.done) return;
        yield page.value;
      }
    },
    findIdempotency: (key) => store.findIdempotency(key),
    ping: () => store.ping(),
    getView: async (walletId) => {
      await turn(`getView ${walletId}`);
      return store.getView(walletId);
    },
    putView: async (view) => {
      await turn(`putView ${view.walletId} (${view.eventCount} events)`);
      return store.putView(view);
    },
    getViews: async (walletIds) => {
      await turn(`getViews ${walletIds.join(',')}`);
      return store.getViews(walletIds);
    },
    putViews: async (views) => {
      await turn(`putViews ${views.map((view) => view.walletId).join(',')}`);
      return store.putViews(views);
    },
  };
}

interface Outcome {
  stored: Map<string, WalletView | undefined>;
  logs: Map<string, RecordedEvent[]>;
  historyReads: number;
}

/** Appends the steps, ringing projectors concurrently under the scheduler; returns the stored views. */
async function run(
  s: fc.Scheduler,
  plan: Step[],
  options: { pageSize: number; config: ThresholdConfig },
): Promise<Outcome> {
  const store = new InMemoryEventStore({ pageSize: options.pageSize });
  const projectors = scheduled(s, store);
  let historyReads = 0;
  const read = projectors.read;
  projectors.read = (walletId, lane, range) => {
    if (range?.fromVersion === undefined) historyReads++;
    return read(walletId, lane, range);
  };
  // A projection that keeps losing fails its stream records, which are then delivered again.
  const ring = async (walletId: string, laneHints?: number[]) => {
    for (let delivery = 1; ; delivery++) {
      try {
        return await projectWallet(projectors, projectors, walletId, options.config, laneHints);
      } catch (error) {
        if (delivery >= 10 || !String(error).includes('kept losing')) throw error;
      }
    }
  };
  const running: Promise<unknown>[] = [];
  for (const [index, step] of plan.entries()) {
    const walletId = WALLETS[step.wallet] ?? 'w1';
    await store.append({
      walletId,
      lane: step.lane,
      expected: await store.head(walletId, step.lane),
      events: [
        {
          type: 'Deposited',
          data: { amountMinor: step.amountMinor, occurredAtMs: step.quarterWindows * 25 },
          eventId: `e${index}`,
          recordedAtMs: index,
        },
      ],
    });
    for (let copy = 0; copy < step.copies; copy++) {
      running.push(ring(walletId, step.hinted ? [step.lane] : undefined));
    }
    await s.waitNext(Math.min(step.progress, s.count()));
  }
  await s.waitIdle();
  await Promise.all(running);

  const stored = new Map<string, WalletView | undefined>();
  const logs = new Map<string, RecordedEvent[]>();
  for (const walletId of WALLETS) {
    stored.set(walletId, await store.getView(walletId));
    logs.set(walletId, await readWallet(store, walletId));
  }
  return { stored, logs, historyReads };
}

const options = fc.record({
  pageSize: fc.integer({ min: 1, max: 4 }),
  config: fc.record({
    thresholdMinor: fc.bigInt({ min: 1n, max: 15_000n }),
    windowMs: fc.constant(100),
    retainMax: fc.integer({ min: 1, max: 5 }),
  }),
});

describe('projection from the store, doorbells in any order and duplicated, projectors racing', () => {
  it('(d) one lane: the stored view equals rebuildView(log)', async () => {
    let historyReads = 0;
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), steps(1), options, async (s, plan, opts) => {
        const outcome = await run(s, plan, opts);
        historyReads += outcome.historyReads;
        for (const walletId of WALLETS) {
          const log = outcome.logs.get(walletId) ?? [];
          const stored = outcome.stored.get(walletId);
          if (log.length === 0) expect(stored).toBeUndefined();
          else expect(stored).toEqual(rebuildView(walletId, log, opts.config));
        }
      }),
      { numRuns: NUM_RUNS },
    );
    // Late deposits must have sent projectors to the log for history, or that path went untested.
    expect(historyReads).toBeGreaterThan(0);
  });

  it('(d) lanes: the stored view holds every event: lanes, count, balance and flag', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), steps(3), options, async (s, plan, opts) => {
        const outcome = await run(s, plan, opts);
        for (const walletId of WALLETS) {
          const log = outcome.logs.get(walletId) ?? [];
          const stored = outcome.stored.get(walletId);
          if (log.length === 0) {
            expect(stored).toBeUndefined();
            continue;
          }
          const rebuilt = rebuildView(walletId, log, opts.config);
          expect(stored?.lanes).toEqual(rebuilt.lanes);
          expect(stored?.eventCount).toBe(log.length);
          expect(stored?.balanceMinor).toBe(rebuilt.balanceMinor);
          expect(stored?.threshold.breach?.atMs).toBe(rebuilt.threshold.breach?.atMs);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('(d) lanes: the stored view equals rebuildView(log), field for field', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), steps(3), options, async (s, plan, opts) => {
        const outcome = await run(s, plan, opts);
        for (const walletId of WALLETS) {
          const log = outcome.logs.get(walletId) ?? [];
          if (log.length > 0)
            expect(outcome.stored.get(walletId)).toEqual(rebuildView(walletId, log, opts.config));
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
