import { describe, expect, it } from 'vitest';
import { readWallet } from '#app/read-events.ts';
import { rebuildFromSnapshot, SNAPSHOT_EVERY_DEFAULT, shouldSnapshot } from '#app/snapshots.ts';
import { projectWallet, ViewCache } from '#app/wallet-projection.ts';
import { snapshotEveryFromEnv } from '#composition/config.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import { emptyView, rebuildView, type WalletView } from '#domain/wallet-view.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import { InMemorySnapshotStore } from '../../support/in-memory-snapshot-store.ts';

const CONFIG: ThresholdConfig = { thresholdMinor: 1_000_000n, windowMs: 120_000, retainMax: 16 };

let clockMs = 0;
/** Deposits at the head of a lane, a minute apart in event time (in order: the window cache decides them). */
async function deposits(store: InMemoryEventStore, count: number, lane = 0, walletId = 'w1') {
  for (let i = 0; i < count; i++) {
    clockMs += 60_000;
    const head = await store.head(walletId, lane);
    await store.append({
      walletId,
      lane,
      expected: head,
      events: [
        {
          type: 'Deposited',
          data: { amountMinor: 100n + BigInt(i), occurredAtMs: clockMs },
          eventId: `${walletId}-${lane}-${head.version + 1}`,
          recordedAtMs: clockMs + 5,
        },
      ],
    });
  }
}

describe('snapshotEveryFromEnv', () => {
  it('defaults to 1,000, takes a whole number, and 0 disables', () => {
    expect(snapshotEveryFromEnv({})).toBe(SNAPSHOT_EVERY_DEFAULT);
    expect(SNAPSHOT_EVERY_DEFAULT).toBe(1_000);
    expect(snapshotEveryFromEnv({ TALLY_SNAPSHOT_EVERY: '' })).toBe(1_000);
    expect(snapshotEveryFromEnv({ TALLY_SNAPSHOT_EVERY: ' 250 ' })).toBe(250);
    expect(snapshotEveryFromEnv({ TALLY_SNAPSHOT_EVERY: '0' })).toBe(0);
  });

  it('refuses anything else, naming the variable', () => {
    for (const bad of ['-1', '1.5', 'ten', '1e3', '99999999999999999999']) {
      expect(() => snapshotEveryFromEnv({ TALLY_SNAPSHOT_EVERY: bad })).toThrow(/TALLY_SNAPSHOT_EVERY/);
    }
  });
});

describe('shouldSnapshot', () => {
  it('is true exactly when the count crossed (or reached) a multiple of every', () => {
    expect(shouldSnapshot(0, 999, 1_000)).toBe(false);
    expect(shouldSnapshot(0, 1_000, 1_000)).toBe(true);
    expect(shouldSnapshot(999, 1_000, 1_000)).toBe(true);
    expect(shouldSnapshot(1_000, 1_999, 1_000)).toBe(false);
    expect(shouldSnapshot(1_990, 2_010, 1_000)).toBe(true);
    // Several multiples in one batch: one snapshot (of the view written).
    expect(shouldSnapshot(10, 3_500, 1_000)).toBe(true);
    expect(shouldSnapshot(5, 5, 1)).toBe(false);
  });

  it('is never true when snapshots are off', () => {
    expect(shouldSnapshot(0, 1_000_000, 0)).toBe(false);
  });
});

describe('projectWallet with snapshots', () => {
  it('stores a snapshot of the written view each time the count crosses a multiple of every', async () => {
    const store = new InMemoryEventStore();
    const snapshots = new InMemorySnapshotStore();
    const policy = { store: snapshots, every: 4 };
    for (const batch of [3, 1, 2, 5, 1]) {
      await deposits(store, batch);
      await projectWallet(store, store, 'w1', CONFIG, undefined, new ViewCache(), policy);
    }
    // Counts after each projection: 3, 4, 6, 11, 12 → crossings at 4, 11 (past 8) and 12.
    expect(snapshots.puts.map((view) => view.eventCount)).toEqual([4, 11, 12]);
    expect(snapshots.puts[1]).toEqual(
      rebuildView('w1', (await readWallet(store, 'w1')).slice(0, 11), CONFIG),
    );
  });

  it('takes no snapshot when nothing was written, or when every is 0', async () => {
    const store = new InMemoryEventStore();
    const snapshots = new InMemorySnapshotStore();
    await deposits(store, 5);
    await projectWallet(store, store, 'w1', CONFIG, undefined, undefined, { store: snapshots, every: 0 });
    await projectWallet(store, store, 'w1', CONFIG, undefined, undefined, { store: snapshots, every: 5 });
    expect(snapshots.puts).toEqual([]);
  });

  it('counts from zero when the stored view was under another threshold rule (it is rebuilt)', async () => {
    const store = new InMemoryEventStore();
    const snapshots = new InMemorySnapshotStore();
    await deposits(store, 5);
    await projectWallet(store, store, 'w1', { ...CONFIG, thresholdMinor: 7n });
    await deposits(store, 1);
    await projectWallet(store, store, 'w1', CONFIG, undefined, undefined, { store: snapshots, every: 3 });
    expect(snapshots.puts.map((view) => [view.eventCount, view.thresholdMinor])).toEqual([
      [6, CONFIG.thresholdMinor],
    ]);
  });

  it('still succeeds, and reports the error, when the snapshot cannot be stored', async () => {
    const store = new InMemoryEventStore();
    const snapshots = new InMemorySnapshotStore();
    snapshots.failWith = new Error('throttled');
    const errors: [unknown, number][] = [];
    await deposits(store, 2);
    const outcome = await projectWallet(store, store, 'w1', CONFIG, undefined, undefined, {
      store: snapshots,
      every: 2,
      onError: (error, view) => errors.push([error, view.eventCount]),
    });
    expect(outcome).toEqual({ eventCount: 2, written: true });
    expect((await store.getView('w1'))?.eventCount).toBe(2);
    expect(errors).toEqual([[snapshots.failWith, 2]]);
  });
});

describe('rebuildFromSnapshot', () => {
  it('reads only the tail of every lane after the newest snapshot', async () => {
    const store = new InMemoryEventStore({ pageSize: 3 });
    const snapshots = new InMemorySnapshotStore();
    await deposits(store, 10, 0);
    await deposits(store, 4, 2);
    await snapshots.put(rebuildView('w1', await readWallet(store, 'w1'), CONFIG));
    await deposits(store, 3, 0);
    await deposits(store, 2, 1);
    const rebuilt = await rebuildFromSnapshot(store, snapshots, 'w1', CONFIG);
    expect(rebuilt).toEqual({
      view: rebuildView('w1', await readWallet(store, 'w1'), CONFIG),
      fromSnapshot: 14,
      eventsRead: 5,
    });
    expect(rebuilt.view.lanes).toEqual([13, 2, 4]);
  });

  it('reads the history once for a tail deposit older than the snapshot window cache covers', async () => {
    const store = new InMemoryEventStore({ pageSize: 1 });
    const snapshots = new InMemorySnapshotStore();
    await deposits(store, 30);
    await snapshots.put(rebuildView('w1', await readWallet(store, 'w1'), { ...CONFIG, retainMax: 2 }));
    // Two deposits in another lane with event times far behind the cache: both need the history.
    for (const atMs of [1_000, 2_000]) {
      await store.append({
        walletId: 'w1',
        lane: 3,
        expected: await store.head('w1', 3),
        events: [
          {
            type: 'Deposited',
            data: { amountMinor: 5n, occurredAtMs: atMs },
            eventId: `late-${atMs}`,
            recordedAtMs: atMs,
          },
        ],
      });
    }
    const config = { ...CONFIG, retainMax: 2 };
    const rebuilt = await rebuildFromSnapshot(store, snapshots, 'w1', config);
    expect(rebuilt.view).toEqual(rebuildView('w1', await readWallet(store, 'w1'), config));
    // The 2 tail events, and the 32-event history once (it already holds the second late deposit).
    expect(rebuilt.eventsRead).toBe(2 + 32);
  });

  it('uses the newest snapshot with at most maxEventCount events', async () => {
    const store = new InMemoryEventStore();
    const snapshots = new InMemorySnapshotStore();
    for (const count of [5, 5, 5]) {
      await deposits(store, count);
      await snapshots.put(rebuildView('w1', await readWallet(store, 'w1'), CONFIG));
    }
    const fromZero = rebuildView('w1', await readWallet(store, 'w1'), CONFIG);
    const at = async (maxEventCount?: number) =>
      rebuildFromSnapshot(
        store,
        snapshots,
        'w1',
        CONFIG,
        maxEventCount === undefined ? {} : { maxEventCount },
      );
    expect(await at()).toMatchObject({ view: fromZero, fromSnapshot: 15, eventsRead: 0 });
    expect(await at(14)).toMatchObject({ view: fromZero, fromSnapshot: 10, eventsRead: 5 });
    expect(await at(9)).toMatchObject({ view: fromZero, fromSnapshot: 5, eventsRead: 10 });
    expect(await at(4)).toMatchObject({ view: fromZero, fromSnapshot: 0, eventsRead: 15 });
  });

  it('passes over snapshots taken under another threshold rule', async () => {
    const store = new InMemoryEventStore();
    const snapshots = new InMemorySnapshotStore();
    const other = { ...CONFIG, windowMs: 60_000 };
    await deposits(store, 4);
    await snapshots.put(rebuildView('w1', await readWallet(store, 'w1'), CONFIG));
    await deposits(store, 4);
    await snapshots.put(rebuildView('w1', await readWallet(store, 'w1'), other));
    await deposits(store, 2);
    const log = await readWallet(store, 'w1');
    expect(await rebuildFromSnapshot(store, snapshots, 'w1', CONFIG)).toEqual({
      view: rebuildView('w1', log, CONFIG),
      fromSnapshot: 4,
      eventsRead: 6,
    });
    expect(await rebuildFromSnapshot(store, snapshots, 'w1', { ...CONFIG, thresholdMinor: 5n })).toEqual({
      view: rebuildView('w1', log, { ...CONFIG, thresholdMinor: 5n }),
      fromSnapshot: 0,
      eventsRead: 10,
    });
  });

  it('gives the empty view of a wallet with no events', async () => {
    const rebuilt = await rebuildFromSnapshot(
      new InMemoryEventStore(),
      new InMemorySnapshotStore(),
      'w9',
      CONFIG,
    );
    expect(rebuilt).toEqual({ view: emptyView('w9', CONFIG), fromSnapshot: 0, eventsRead: 0 });
  });
});

describe('views and snapshots stored before the evicted buckets existed (evicted: null)', () => {
  // Deposits a minute apart, 2 retained: the cache lets deposits go, and none breaches.
  const config: ThresholdConfig = { ...CONFIG, retainMax: 2 };
  const legacyOf = (view: WalletView): WalletView => ({
    ...view,
    threshold: { ...view.threshold, evicted: null },
  });

  it('a rebuild passes over such a snapshot: it would fold on without buckets', async () => {
    const store = new InMemoryEventStore();
    const snapshots = new InMemorySnapshotStore();
    await deposits(store, 10);
    const atTen = rebuildView('w1', await readWallet(store, 'w1'), config);
    expect(atTen.threshold.evicted?.length).toBeGreaterThan(0);
    await snapshots.put(legacyOf(atTen));
    await deposits(store, 2);
    const log = await readWallet(store, 'w1');
    expect(await rebuildFromSnapshot(store, snapshots, 'w1', config)).toEqual({
      view: rebuildView('w1', log, config),
      fromSnapshot: 0,
      eventsRead: 12,
    });
  });

  it('the projector gives such a view its buckets at its next deposit (one history read)', async () => {
    const store = new InMemoryEventStore();
    await deposits(store, 10);
    await store.putView(legacyOf(rebuildView('w1', await readWallet(store, 'w1'), config)));
    await deposits(store, 1);
    expect(await projectWallet(store, store, 'w1', config)).toEqual({ eventCount: 11, written: true });
    const stored = await store.getView('w1');
    expect(stored?.threshold.evicted).not.toBeNull();
    expect(stored).toEqual(rebuildView('w1', await readWallet(store, 'w1'), config));
  });
});
