import { describe, expect, it } from 'vitest';
import { prefetchDoorbells } from '#app/projection-batch.ts';
import { readWallet } from '#app/read-events.ts';
import { projectWallet, ViewCache } from '#app/wallet-projection.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import { rebuildView } from '#domain/wallet-view.ts';
import type { EventRef } from '#ports/event-store.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';

const CONFIG: ThresholdConfig = { thresholdMinor: 1_000_000n, windowMs: 120_000, retainMax: 200 };

async function deposit(
  store: InMemoryEventStore,
  walletId: string,
  amountMinor: bigint,
  atMs: number,
  lane = 0,
) {
  await store.append({
    walletId,
    lane,
    expected: await store.head(walletId, lane),
    events: [
      {
        type: 'Deposited',
        data: { amountMinor, occurredAtMs: atMs },
        eventId: `${walletId}-${lane}-${atMs}`,
        recordedAtMs: atMs,
      },
    ],
  });
}

/** Counts what the projection asks the store and the read models for. */
function spy(store: InMemoryEventStore) {
  const calls = {
    read: [] as [string, number, number | undefined][],
    readEvents: 0,
    getView: 0,
    getViews: [] as string[][],
  };
  const read = store.read.bind(store);
  store.read = (walletId, lane, range) => {
    calls.read.push([walletId, lane, range?.fromVersion]);
    return read(walletId, lane, range);
  };
  const readEvents = store.readEvents.bind(store);
  store.readEvents = (refs) => {
    calls.readEvents++;
    return readEvents(refs);
  };
  const getView = store.getView.bind(store);
  store.getView = (walletId) => {
    calls.getView++;
    return getView(walletId);
  };
  // The in-memory getViews calls getView per wallet; counted as the one batch read it stands for.
  store.getViews = async (walletIds) => {
    calls.getViews.push([...walletIds]);
    const found = new Map();
    for (const walletId of walletIds) {
      const view = await getView(walletId);
      if (view !== undefined) found.set(walletId, view);
    }
    return found;
  };
  return calls;
}

async function project(store: InMemoryEventStore, rung: EventRef[], views: ViewCache) {
  const prefetched = await prefetchDoorbells(store, store, rung, views);
  for (const walletId of new Set(rung.map((ref) => ref.walletId))) {
    const lanes = [...new Set(rung.filter((ref) => ref.walletId === walletId).map((ref) => ref.lane))];
    await projectWallet(store, store, walletId, CONFIG, lanes, views, undefined, prefetched.get(walletId));
  }
}

const fold = async (store: InMemoryEventStore, walletId: string) =>
  rebuildView(walletId, await readWallet(store, walletId), CONFIG);

describe('prefetchDoorbells + projectWallet', () => {
  it('projects a batch of wallets from one readEvents and one getViews, reading no lane', async () => {
    const store = new InMemoryEventStore();
    await deposit(store, 'a', 10n, 1);
    await deposit(store, 'a', 20n, 2);
    await deposit(store, 'b', 5n, 3, 2);
    const views = new ViewCache();
    const calls = spy(store);
    await project(
      store,
      [
        { walletId: 'a', lane: 0, version: 2 },
        { walletId: 'b', lane: 2, version: 1 },
        { walletId: 'a', lane: 0, version: 1 },
        { walletId: 'a', lane: 0, version: 1 },
      ],
      views,
    );
    // a's first event (lane 0, version 1) rang: it can have no older view, so only b's is read.
    expect(calls).toEqual({ read: [], readEvents: 1, getView: 0, getViews: [['b']] });
    expect(await store.getView('a')).toEqual(await fold(store, 'a'));
    expect(await store.getView('b')).toEqual(await fold(store, 'b'));
  });

  it('asks only for the views this instance does not hold and that can exist', async () => {
    const store = new InMemoryEventStore();
    const views = new ViewCache();
    await deposit(store, 'a', 10n, 1);
    await deposit(store, 'b', 10n, 1);
    await deposit(store, 'c', 10n, 1);
    await project(store, [{ walletId: 'a', lane: 0, version: 1 }], views);
    // c's view was written by another projector instance: this one does not hold it.
    await project(store, [{ walletId: 'c', lane: 0, version: 1 }], new ViewCache());
    await deposit(store, 'a', 7n, 2);
    await deposit(store, 'b', 8n, 2);
    await deposit(store, 'c', 9n, 2);
    const calls = spy(store);
    await project(
      store,
      [
        { walletId: 'a', lane: 0, version: 2 },
        { walletId: 'b', lane: 0, version: 1 },
        { walletId: 'b', lane: 0, version: 2 },
        { walletId: 'c', lane: 0, version: 2 },
      ],
      views,
    );
    // a: held; b: its first event rang, so it has no older view; c: read.
    expect(calls.getViews).toEqual([['c']]);
    expect(calls.read).toEqual([]);
    for (const walletId of ['a', 'b', 'c'])
      expect(await store.getView(walletId)).toEqual(await fold(store, walletId));
  });

  it('a first event delivered again does not replace a view that exists, even one under another threshold rule', async () => {
    const store = new InMemoryEventStore();
    await deposit(store, 'd', 10n, 1);
    await deposit(store, 'd', 20n, 2, 1);
    await deposit(store, 'd', 30n, 3);
    // A view of every lane, folded under another threshold rule (the rule changed since).
    const other: ThresholdConfig = { ...CONFIG, thresholdMinor: 5n };
    await store.putView(rebuildView('d', await readWallet(store, 'd'), other));
    const calls = spy(store);
    // A fresh projector instance is handed lane 0's first record again (a retry).
    await project(store, [{ walletId: 'd', lane: 0, version: 1 }], new ViewCache());
    expect(calls.getViews).toEqual([]);
    // Its fold from no view was refused; it read the stored view and rebuilt every lane it knew.
    expect(calls.getView).toBe(1);
    expect(await store.getView('d')).toEqual(await fold(store, 'd'));
  });

  it('reads a lane from the view on when its doorbells skip a version, and gets every event', async () => {
    const store = new InMemoryEventStore();
    const views = new ViewCache();
    await deposit(store, 'a', 10n, 1);
    await project(store, [{ walletId: 'a', lane: 0, version: 1 }], views);
    await deposit(store, 'a', 20n, 2);
    await deposit(store, 'a', 30n, 3);
    const calls = spy(store);
    // Version 2's doorbell is not in this batch (delayed, or lost to a failed run).
    await project(store, [{ walletId: 'a', lane: 0, version: 3 }], views);
    expect(calls.read).toEqual([['a', 0, 2]]);
    expect(await store.getView('a')).toMatchObject({ eventCount: 3, balanceMinor: 60n });
    expect(await store.getView('a')).toEqual(await fold(store, 'a'));
  });

  it('reads a lane whose doorbell names an event the store does not hold', async () => {
    const store = new InMemoryEventStore();
    await deposit(store, 'a', 10n, 1);
    const calls = spy(store);
    await project(
      store,
      [
        { walletId: 'a', lane: 0, version: 1 },
        { walletId: 'a', lane: 0, version: 9 },
      ],
      new ViewCache(),
    );
    expect(calls.read).toEqual([['a', 0, 1]]);
    expect(await store.getView('a')).toEqual(await fold(store, 'a'));
  });

  it('writes nothing when the doorbells name only events the view has applied', async () => {
    const store = new InMemoryEventStore();
    const views = new ViewCache();
    await deposit(store, 'a', 10n, 1);
    await project(store, [{ walletId: 'a', lane: 0, version: 1 }], views);
    const calls = spy(store);
    const prefetched = await prefetchDoorbells(store, store, [{ walletId: 'a', lane: 0, version: 1 }], views);
    const outcome = await projectWallet(
      store,
      store,
      'a',
      CONFIG,
      [0],
      views,
      undefined,
      prefetched.get('a'),
    );
    expect(outcome).toEqual({ eventCount: 1, written: false });
    expect(calls.read).toEqual([]);
  });

  it('leaves each wallet to read for itself when the batch read fails', async () => {
    const store = new InMemoryEventStore();
    await deposit(store, 'a', 10n, 1);
    store.readEvents = async () => {
      throw new Error('throttled');
    };
    const errors: unknown[] = [];
    const prefetched = await prefetchDoorbells(
      store,
      store,
      [{ walletId: 'a', lane: 0, version: 1 }],
      new ViewCache(),
      (error) => errors.push(error),
    );
    expect(prefetched.size).toBe(0);
    expect(errors).toHaveLength(1);
    await projectWallet(store, store, 'a', CONFIG, [0], new ViewCache(), undefined, prefetched.get('a'));
    expect(await store.getView('a')).toEqual(await fold(store, 'a'));
  });
});
