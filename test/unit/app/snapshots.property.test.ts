import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromViewItem, toViewItem } from '#adapters/dynamodb/table-layout/view-item.ts';
import { readWallet } from '#app/read-events.ts';
import { rebuildFromSnapshot, shouldSnapshot } from '#app/snapshots.ts';
import { projectWallet } from '#app/wallet-projection.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import { emptyView, rebuildView, type WalletView } from '#domain/wallet-view.ts';
import type { NewEvent } from '#ports/event-store.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import { InMemorySnapshotStore } from '../../support/in-memory-snapshot-store.ts';

const NUM_RUNS = 150;
const WALLET = 'w1';
const LANES = 4;

interface Append {
  lane: number;
  kind: 'deposit' | 'fact';
  amountMinor: bigint;
  /** Event time in quarter windows (plus a jitter of one ms): out of order, window edges hit exactly. */
  quarterWindows: number;
  jitter: number;
  /** The points each award of a fact gives (a fact and its awards are one append). */
  awards: bigint[];
}

interface History {
  config: ThresholdConfig;
  appends: Append[];
  pageSize: number;
  /** Per lane, where an arbitrary snapshot cuts it (taken modulo the lane's length + 1). */
  cuts: number[];
}

/** Small windows, small caches and a small time range make the needs-history path common. */
const histories: fc.Arbitrary<History> = fc.record({
  config: fc.record({
    thresholdMinor: fc.bigInt({ min: 1n, max: 20_000n }),
    windowMs: fc.constantFrom(10, 100, 120_000),
    retainMax: fc.integer({ min: 1, max: 5 }),
  }),
  appends: fc.array(
    fc.record({
      lane: fc.integer({ min: 0, max: LANES - 1 }),
      kind: fc.constantFrom('deposit' as const, 'deposit' as const, 'fact' as const),
      amountMinor: fc.bigInt({ min: 1n, max: 6_000n }),
      quarterWindows: fc.integer({ min: 0, max: 40 }),
      jitter: fc.constantFrom(-1, 0, 0, 1),
      awards: fc.array(fc.bigInt({ min: 1n, max: 500n }), { maxLength: 2 }),
    }),
    { minLength: 1, maxLength: 40 },
  ),
  pageSize: fc.integer({ min: 1, max: 5 }),
  cuts: fc.array(fc.nat({ max: 100 }), { minLength: LANES, maxLength: LANES }),
});

function newEvents(append: Append, index: number, config: ThresholdConfig): NewEvent[] {
  const occurredAtMs = Math.max(0, Math.floor((append.quarterWindows * config.windowMs) / 4) + append.jitter);
  const recordedAtMs = 1_000 + index;
  if (append.kind === 'deposit') {
    return [
      {
        type: 'Deposited',
        data: { amountMinor: append.amountMinor, occurredAtMs },
        eventId: `d${index}`,
        recordedAtMs,
      },
    ];
  }
  const factId = `f${index}`;
  return [
    {
      type: 'FactRecorded',
      data: { factId, source: 'qa-app', factType: 'answer_is_liked', occurredAtMs, dataJson: '{"n":1}' },
      eventId: `${factId}-fact`,
      recordedAtMs,
    },
    ...append.awards.map(
      (points, award): NewEvent => ({
        type: 'PointsAwarded',
        data: { points, factId, ruleId: `r${award}`, ruleSetVersion: 1, ruleTextHash: 'h' },
        eventId: `${factId}-award-${award}`,
        recordedAtMs,
      }),
    ),
  ];
}

/** Appends the history; after each append, `afterAppend` runs (a projector, say). */
async function record(
  history: History,
  afterAppend: (store: InMemoryEventStore) => Promise<void> = async () => undefined,
): Promise<{ store: InMemoryEventStore; log: RecordedEvent[]; order: RecordedEvent[][] }> {
  const store = new InMemoryEventStore({ pageSize: history.pageSize });
  const order: RecordedEvent[][] = [];
  for (const [index, append] of history.appends.entries()) {
    const outcome = await store.append({
      walletId: WALLET,
      lane: append.lane,
      expected: await store.head(WALLET, append.lane),
      events: newEvents(append, index, history.config),
      ...(append.kind === 'fact'
        ? { idempotency: { key: `f${index}`, payloadHash: 'p', response: { statusCode: 202, body: '' } } }
        : {}),
    });
    if (outcome.kind !== 'appended') throw new Error(`unexpected ${outcome.kind}`);
    order.push(outcome.events);
    await afterAppend(store);
  }
  return { store, log: await readWallet(store, WALLET), order };
}

/** The view of `events` (a prefix of every lane), stored and read back as the DynamoDB adapter does. */
function snapshotOf(events: readonly RecordedEvent[], config: ThresholdConfig): WalletView {
  const view = events.length === 0 ? emptyView(WALLET, config) : rebuildView(WALLET, events, config);
  const item = marshall(toViewItem(view), { removeUndefinedValues: true });
  return fromViewItem(unmarshall(item, { wrapNumbers: (text: string) => text }));
}

describe('rebuildFromSnapshot equals rebuildView from zero', () => {
  it('from the view after every append (what a projector holds), field for field', async () => {
    await fc.assert(
      fc.asyncProperty(histories, async (history) => {
        const { store, log, order } = await record(history);
        const fromZero = rebuildView(WALLET, log, history.config);
        for (let appended = 0; appended <= order.length; appended++) {
          const snapshot = snapshotOf(order.slice(0, appended).flat(), history.config);
          const snapshots = new InMemorySnapshotStore();
          await snapshots.put(snapshot);
          const rebuilt = await rebuildFromSnapshot(store, snapshots, WALLET, history.config);
          expect(rebuilt.view).toEqual(fromZero);
          expect(rebuilt.fromSnapshot).toBe(snapshot.eventCount);
          // The tail at least; more only when a late deposit sent it to the whole history.
          expect(rebuilt.eventsRead).toBeGreaterThanOrEqual(log.length - snapshot.eventCount);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('without a snapshot (lanes folded in event-time order), field for field', async () => {
    await fc.assert(
      fc.asyncProperty(histories, async (history) => {
        const { store, log } = await record(history);
        const rebuilt = await rebuildFromSnapshot(store, new InMemorySnapshotStore(), WALLET, history.config);
        expect(rebuilt).toEqual({
          view: rebuildView(WALLET, log, history.config),
          fromSnapshot: 0,
          eventsRead: log.length,
        });
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('from any prefix of every lane (lanes cut independently), field for field', async () => {
    let tailsOnly = 0;
    await fc.assert(
      fc.asyncProperty(histories, async (history) => {
        const { store, log } = await record(history);
        const cut = log.filter((event) => {
          const laneLength = log.filter((other) => other.lane === event.lane).length;
          return event.version <= (history.cuts[event.lane] ?? 0) % (laneLength + 1);
        });
        const snapshot = snapshotOf(cut, history.config);
        const snapshots = new InMemorySnapshotStore();
        await snapshots.put(snapshot);
        const rebuilt = await rebuildFromSnapshot(store, snapshots, WALLET, history.config);
        expect(rebuilt.view).toEqual(rebuildView(WALLET, log, history.config));
        expect(rebuilt.fromSnapshot).toBe(cut.length);
        if (rebuilt.eventsRead === log.length - cut.length) tailsOnly++;
      }),
      { numRuns: NUM_RUNS },
    );
    // Most rebuilds must have read only the tail, or the snapshot saved nothing.
    expect(tailsOnly).toBeGreaterThan(NUM_RUNS / 2);
  });

  it('from the snapshots a projector took every N events, whichever one is used', async () => {
    await fc.assert(
      fc.asyncProperty(histories, fc.integer({ min: 1, max: 6 }), async (history, every) => {
        const snapshots = new InMemorySnapshotStore();
        const counts: number[] = [0];
        const { store, log } = await record(history, async (current) => {
          const outcome = await projectWallet(
            current,
            current,
            WALLET,
            history.config,
            undefined,
            undefined,
            {
              store: snapshots,
              every,
            },
          );
          counts.push(outcome.eventCount);
        });
        // One snapshot at each projection that crossed a multiple of `every`, of the view it wrote.
        const expected = counts.slice(1).filter((count, i) => shouldSnapshot(counts[i] ?? 0, count, every));
        expect(snapshots.puts.map((view) => view.eventCount)).toEqual(expected);
        expect(snapshots.counts(WALLET)).toEqual(expected.slice(-3));

        const fromZero = rebuildView(WALLET, log, history.config);
        for (const maxEventCount of [undefined, ...expected, ...expected.map((count) => count - 1)]) {
          const rebuilt = await rebuildFromSnapshot(store, snapshots, WALLET, history.config, {
            maxEventCount,
          });
          expect(rebuilt.view).toEqual(fromZero);
          const usable = snapshots.counts(WALLET).filter((count) => count <= (maxEventCount ?? Infinity));
          expect(rebuilt.fromSnapshot).toBe(usable.at(-1) ?? 0);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
