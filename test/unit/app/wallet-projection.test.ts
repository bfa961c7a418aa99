import { describe, expect, it } from 'vitest';
import { readWallet } from '#app/read-events.ts';
import { catchUp, projectWallet } from '#app/wallet-projection.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import { emptyView, rebuildView } from '#domain/wallet-view.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';

const CONFIG: ThresholdConfig = { thresholdMinor: 1_000_000n, windowMs: 120_000, retainMax: 200 };

async function deposit(store: InMemoryEventStore, amountMinor: bigint, atMs: number, lane = 0) {
  await store.append({
    walletId: 'w1',
    lane,
    expected: await store.head('w1', lane),
    events: [
      {
        type: 'Deposited',
        data: { amountMinor, occurredAtMs: atMs },
        eventId: `e${atMs}`,
        recordedAtMs: atMs,
      },
    ],
  });
}

type Range = { fromVersion?: number; toVersion?: number };

/** Records every (lane, range) the projection reads, to see what it asked the store for. */
function spyReads(store: InMemoryEventStore) {
  const reads: [number, Range][] = [];
  const read = store.read.bind(store);
  store.read = (walletId: string, lane: number, range?: Range) => {
    reads.push([lane, range ?? {}]);
    return read(walletId, lane, range);
  };
  return reads;
}

describe('catchUp', () => {
  it('folds the whole log of every lane into a new view', async () => {
    const store = new InMemoryEventStore({ pageSize: 2 });
    await deposit(store, 800_000n, 0);
    await deposit(store, 200_001n, 119_999, 4);
    await deposit(store, 5n, 500_000);
    const { view, changed } = await catchUp(store, 'w1', undefined, CONFIG);
    expect(changed).toBe(true);
    expect(view).toEqual(rebuildView('w1', await readWallet(store, 'w1'), CONFIG));
    expect(view).toMatchObject({ lanes: [2, 0, 0, 0, 1], eventCount: 3, balanceMinor: 1_000_006n });
    expect(view.threshold.breach?.atMs).toBe(119_999);
  });

  it('reads each lane only after what the stored view applied, and reports no change when current', async () => {
    const store = new InMemoryEventStore();
    await deposit(store, 10n, 1);
    await deposit(store, 10n, 2, 1);
    const first = await catchUp(store, 'w1', undefined, CONFIG);
    await deposit(store, 20n, 3);
    const reads = spyReads(store);
    const second = await catchUp(store, 'w1', first.view, CONFIG);
    expect(reads).toEqual([
      [0, { fromVersion: 2 }],
      [1, { fromVersion: 2 }],
    ]);
    expect(second.view).toMatchObject({ lanes: [2, 1], eventCount: 3, balanceMinor: 40n });

    const again = await catchUp(store, 'w1', second.view, CONFIG);
    expect(again.changed).toBe(false);
    expect(again.view).toBe(second.view);
  });

  it('is unchanged for a wallet without events', async () => {
    const result = await catchUp(new InMemoryEventStore(), 'w1', undefined, CONFIG);
    expect(result.changed).toBe(false);
    expect(result.view).toEqual(emptyView('w1', CONFIG));
  });

  it('loads the history only for a deposit later than the cache covers, and is exact', async () => {
    const store = new InMemoryEventStore();
    await deposit(store, 600_000n, 0);
    await deposit(store, 1n, 500_000); // ages the first deposit out of the cache
    const before = await catchUp(store, 'w1', undefined, CONFIG);
    expect(before.view.threshold.coverFromMs).toBe(0);

    await deposit(store, 500_000n, 60_000); // late: its window reaches back to the evicted deposit
    const reads = spyReads(store);
    const after = await catchUp(store, 'w1', before.view, CONFIG);
    expect(reads).toEqual([
      [0, { fromVersion: 3 }],
      [0, {}],
    ]);
    expect(after.view.threshold.breach).toMatchObject({ atMs: 60_000, sumMinor: 1_100_000n });
    expect(after.view).toEqual(rebuildView('w1', await readWallet(store, 'w1'), CONFIG));
  });

  it('rebuilds from zero when the stored view was computed under another threshold rule', async () => {
    const store = new InMemoryEventStore();
    await deposit(store, 600_000n, 0);
    const other: ThresholdConfig = { ...CONFIG, thresholdMinor: 100n };
    const stale = (await catchUp(store, 'w1', undefined, other)).view;
    expect(stale.threshold.breach).not.toBeNull();
    const reads = spyReads(store);
    const { view, changed } = await catchUp(store, 'w1', stale, CONFIG);
    expect(reads).toEqual([[0, { fromVersion: 1 }]]);
    expect(changed).toBe(true);
    expect(view).toEqual(rebuildView('w1', await readWallet(store, 'w1'), CONFIG));
    expect(view.threshold.breach).toBeNull();
  });
});

describe('projectWallet', () => {
  it('writes the view once, then reports nothing to write', async () => {
    const store = new InMemoryEventStore();
    await deposit(store, 10n, 1);
    await expect(projectWallet(store, store, 'w1', CONFIG)).resolves.toEqual({
      eventCount: 1,
      written: true,
    });
    await expect(projectWallet(store, store, 'w1', CONFIG)).resolves.toEqual({
      eventCount: 1,
      written: false,
    });
    expect(await store.getView('w1')).toEqual(rebuildView('w1', await readWallet(store, 'w1'), CONFIG));
  });

  it('writes nothing for a wallet without events', async () => {
    const store = new InMemoryEventStore();
    await expect(projectWallet(store, store, 'nobody', CONFIG)).resolves.toEqual({
      eventCount: 0,
      written: false,
    });
    await expect(store.getView('nobody')).resolves.toBeUndefined();
  });

  it('lets one of two racing projectors write; the other finds the view current', async () => {
    const store = new InMemoryEventStore();
    await deposit(store, 10n, 1);
    const outcomes = await Promise.all([
      projectWallet(store, store, 'w1', CONFIG),
      projectWallet(store, store, 'w1', CONFIG),
    ]);
    expect(outcomes.map((outcome) => outcome.written).sort()).toEqual([false, true]);
    expect((await store.getView('w1'))?.eventCount).toBe(1);
  });

  it('never replaces a stored view by one that lacks events the stored one has', async () => {
    const store = new InMemoryEventStore();
    await deposit(store, 1n, 1, 0);
    await deposit(store, 1n, 2, 1);

    // Projector B lists the lanes and reads lane 0, then stalls before reading lane 1.
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const stalled: InMemoryEventStore = Object.create(store);
    stalled.read = async function* (walletId, lane, range) {
      if (lane === 1) await gate;
      yield* store.read(walletId, lane, range);
    };
    const projectorB = projectWallet(stalled, store, 'w1', CONFIG);
    await new Promise((resolve) => setTimeout(resolve, 0));

    // Meanwhile lane 0 grows and projector A stores all four events; then lane 1 grows by three.
    await deposit(store, 1n, 3, 0);
    await deposit(store, 1n, 4, 0);
    await projectWallet(store, store, 'w1', CONFIG);
    expect((await store.getView('w1'))?.lanes).toEqual([3, 1]);
    for (const atMs of [5, 6, 7]) await deposit(store, 1n, atMs, 1);

    // B resumes with lane 0 at v1 but lane 1 at v4: more events (5) than A's view (4), not a superset.
    release();
    await projectorB;
    const stored = await store.getView('w1');
    expect(stored?.lanes[0]).toBe(3);
  });
});
