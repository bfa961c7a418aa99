/**
 * A wallet read's calls to its stores, counted in the rounds it waits on (as against a remote
 * table): lane 0's newest events are read with the view and the lane registry, so a read whose
 * view has applied lane 0, or is a few events behind (or absent, on a short log), waits once, not
 * twice; one further behind reads lane 0 after; and each folds in every acknowledged event.
 */
import { describe, expect, it } from 'vitest';
import { recordDeposit } from '#app/deposit.ts';
import { HeadCache } from '#app/head-cache.ts';
import { walletNow } from '#app/queries/wallet-view.ts';
import { LANE_ZERO_TAIL, readWallet } from '#app/read-events.ts';
import { projectWallet } from '#app/wallet-projection.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import { rebuildView } from '#domain/wallet-view.ts';
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
async function countedRead(
  inner: InMemoryEventStore,
  options: { withoutTailRead?: boolean; config?: ThresholdConfig } = {},
) {
  const rounds = new Rounds();
  // A store as a function not handed LANE_ZERO_READS gets it: no `tailAndLanes`.
  const plain = options.withoutTailRead
    ? new Proxy(inner as EventStore, {
        get: (target, name) => (name === 'tailAndLanes' ? undefined : Reflect.get(target, name)),
      })
    : inner;
  const events = rounds.remote(plain as EventStore);
  const readModels = rounds.remote(inner as ReadModelStore);
  const view = await walletNow({ stores: { events, readModels }, config: options.config ?? CONFIG }, 'w1');
  return { view, rounds: rounds.list() };
}

/** A deposit appended as recorded, dated `occurredAtMs` (a late one: older than those before it). */
async function datedDeposit(
  store: InMemoryEventStore,
  amountMinor: bigint,
  occurredAtMs: number,
  id: string,
) {
  await store.append({
    walletId: 'w1',
    lane: 0,
    expected: await store.head('w1', 0),
    events: [
      {
        type: 'Deposited',
        data: { amountMinor, occurredAtMs },
        eventId: id,
        recordedAtMs: 1_700_000_000_000,
      },
    ],
  });
}

/** The view a rebuild from the whole log gives: what every read must answer. */
const rebuilt = async (store: InMemoryEventStore, config = CONFIG) =>
  rebuildView('w1', await readWallet(store, 'w1'), config);

describe('a wallet read', () => {
  it('waits once when the view has applied lane 0 up to its head', async () => {
    const store = new InMemoryEventStore();
    await deposit(store, 100n, 'e1');
    await deposit(store, 250n, 'e2');
    await projectWallet(store, store, 'w1', CONFIG);
    const { view, rounds } = await countedRead(store);
    expect(rounds).toEqual([['getView', 'tailAndLanes']]);
    expect(view?.balanceMinor).toBe(350n);
    expect(view?.lanes[0]).toBe(2);
  });

  it('waits once when the projector is a few events behind, and shows every acknowledged event', async () => {
    const store = new InMemoryEventStore();
    await deposit(store, 100n, 'e1');
    await projectWallet(store, store, 'w1', CONFIG);
    for (let i = 0; i < LANE_ZERO_TAIL; i++) await deposit(store, 250n, `e${i + 2}`);
    const { view, rounds } = await countedRead(store);
    expect(rounds).toEqual([['getView', 'tailAndLanes']]);
    expect(view?.balanceMinor).toBe(100n + 250n * BigInt(LANE_ZERO_TAIL));
    expect(view).toEqual(await rebuilt(store));
  });

  it('reads lane 0 after the view when the projector is further behind than the newest events reach', async () => {
    const store = new InMemoryEventStore();
    await deposit(store, 100n, 'e1');
    await projectWallet(store, store, 'w1', CONFIG);
    for (let i = 0; i <= LANE_ZERO_TAIL; i++) await deposit(store, 250n, `e${i + 2}`);
    const { view, rounds } = await countedRead(store);
    expect(rounds).toEqual([['getView', 'tailAndLanes'], ['read']]);
    expect(view).toEqual(await rebuilt(store));
  });

  it('waits once when there is no view yet and lane 0 is short', async () => {
    const store = new InMemoryEventStore();
    await deposit(store, 100n, 'e1');
    const { view, rounds } = await countedRead(store);
    expect(rounds).toEqual([['getView', 'tailAndLanes']]);
    expect(view?.balanceMinor).toBe(100n);
  });

  it('decides a late deposit from the events in hand when it folds from nothing: no whole-log read', async () => {
    const store = new InMemoryEventStore();
    // A cache of no deposits, and a second deposit dated before the first, outside the window: it
    // cannot be decided from the cache (it needs the deposits applied, from the history). Lane 0
    // holds no more than the tail the read brings. Fails on the fold before stop 21 (a whole-log
    // read after the first wait).
    const config = { ...CONFIG, retainMax: 0 };
    expect(LANE_ZERO_TAIL).toBeGreaterThanOrEqual(2);
    await datedDeposit(store, 100n, 1_700_000_000_000, 'first');
    await datedDeposit(store, 100n, 1_600_000_000_000, 'late');
    const { view, rounds } = await countedRead(store, { config });
    // Before, the fold read the whole log again after the first wait: [['lanes'], ['read']] more.
    expect(rounds).toEqual([['getView', 'tailAndLanes']]);
    expect(view).toEqual(await rebuilt(store, config));
    expect(view?.balanceMinor).toBe(200n);
  });

  it('answers no wallet, in one wait, for a wallet with no events', async () => {
    const { view, rounds } = await countedRead(new InMemoryEventStore());
    expect(rounds).toEqual([['getView', 'tailAndLanes']]);
    expect(view).toBeUndefined();
  });
});

describe('a wallet read from a store without the tail read', () => {
  it('reads lane 0 head with the view: once when the view has applied it, twice when behind', async () => {
    const store = new InMemoryEventStore();
    await deposit(store, 100n, 'e1');
    await projectWallet(store, store, 'w1', CONFIG);
    expect((await countedRead(store, { withoutTailRead: true })).rounds).toEqual([
      ['getView', 'head', 'lanes'],
    ]);
    await deposit(store, 250n, 'e2');
    const { view, rounds } = await countedRead(store, { withoutTailRead: true });
    expect(rounds).toEqual([['getView', 'head', 'lanes'], ['read']]);
    expect(view).toEqual(await rebuilt(store));
  });
});
