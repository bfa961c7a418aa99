/**
 * A wallet read's calls to its stores, counted in the rounds it waits on (as against a remote
 * table): lane 0's head is read with the view and the lane registry, so a read whose view has
 * applied lane 0 waits once, not twice, and a read whose view is behind still folds in every
 * acknowledged event.
 */
import { describe, expect, it } from 'vitest';
import { recordDeposit } from '#app/deposit.ts';
import { HeadCache } from '#app/head-cache.ts';
import { walletNow } from '#app/queries/wallet-view.ts';
import { projectWallet } from '#app/wallet-projection.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import type { EventStore } from '#ports/event-store.ts';
import type { ReadModelStore } from '#ports/read-models.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import { Rounds } from '../../support/rounds.ts';

const CONFIG: ThresholdConfig = { thresholdMinor: 1_000_000n, windowMs: 120_000, retainMax: 16 };

async function deposit(store: InMemoryEventStore, amountMinor: bigint, id: string) {
  const outcome = await recordDeposit(
    {
      store,
      clock: { nowMs: () => 1_700_000_000_000 },
      ids: { newId: () => id },
      heads: new HeadCache(),
      groupCommit: false,
    },
    { walletId: 'w1', amountMinor, respond: () => ({ statusCode: 201, body: '{}' }) },
  );
  expect(outcome.kind).toBe('recorded');
}

/** `walletNow` against `inner`, its event store's and read model's calls counted in rounds. */
async function countedRead(inner: InMemoryEventStore) {
  const rounds = new Rounds();
  const events = rounds.remote(inner as EventStore);
  const readModels = rounds.remote(inner as ReadModelStore);
  const view = await walletNow({ stores: { events, readModels }, config: CONFIG }, 'w1');
  return { view, rounds: rounds.list() };
}

describe('a wallet read', () => {
  it('waits once when the view has applied lane 0 up to its head', async () => {
    const store = new InMemoryEventStore();
    await deposit(store, 100n, 'e1');
    await deposit(store, 250n, 'e2');
    await projectWallet(store, store, 'w1', CONFIG);
    const { view, rounds } = await countedRead(store);
    expect(rounds).toEqual([['getView', 'head', 'lanes']]);
    expect(view?.balanceMinor).toBe(350n);
    expect(view?.lanes[0]).toBe(2);
  });

  it('reads lane 0 after the view when the projector is behind, and shows every acknowledged event', async () => {
    const store = new InMemoryEventStore();
    await deposit(store, 100n, 'e1');
    await projectWallet(store, store, 'w1', CONFIG);
    await deposit(store, 250n, 'e2');
    const { view, rounds } = await countedRead(store);
    expect(rounds).toEqual([['getView', 'head', 'lanes'], ['read']]);
    expect(view?.balanceMinor).toBe(350n);
    expect(view?.lanes[0]).toBe(2);
  });

  it('reads lane 0 from its start when there is no view yet', async () => {
    const store = new InMemoryEventStore();
    await deposit(store, 100n, 'e1');
    const { view, rounds } = await countedRead(store);
    expect(rounds).toEqual([['getView', 'head', 'lanes'], ['read']]);
    expect(view?.balanceMinor).toBe(100n);
  });

  it('answers no wallet, in one wait, for a wallet with no events', async () => {
    const { view, rounds } = await countedRead(new InMemoryEventStore());
    expect(rounds).toEqual([['getView', 'head', 'lanes']]);
    expect(view).toBeUndefined();
  });
});
