import { describe, expect, it } from 'vitest';
import { type CardAction, cardAction } from '#app/cards.ts';
import { builtInDecisionRules } from '#app/default-decision-rules.ts';
import { AccountSnapshots, accountNow } from '#app/queries/account.ts';
import { LANE_ZERO_TAIL, readWallet } from '#app/read-events.ts';
import { accountBalance } from '#domain/card/statement.ts';
import { foldWallet, initialWalletState, type RecordedEvent } from '#domain/wallet.ts';
import type { EventStore } from '#ports/event-store.ts';
import { prng } from '../../../bench/prng.ts';
import { InMemoryAccountSnapshotStore } from '../../support/in-memory-account-snapshot-store.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import { Rounds } from '../../support/rounds.ts';

/**
 * Counts the events reads hand out, so a test can tell a tail read from a whole-log read:
 * `eventsRead` by lane reads (Queries after the first wait), `tailEvents` with the registry.
 */
class CountingStore extends InMemoryEventStore {
  eventsRead = 0;
  tailEvents = 0;
  override async tailAndLanes(walletId: string, count: number) {
    const read = await super.tailAndLanes(walletId, count);
    this.tailEvents += read.tail.length;
    return read;
  }
  override async *read(
    walletId: string,
    lane: number,
    range?: { fromVersion?: number; toVersion?: number },
  ): AsyncGenerator<RecordedEvent[]> {
    for await (const page of super.read(walletId, lane, range)) {
      this.eventsRead += page.length;
      yield page;
    }
  }
}

const T0 = 1_000_000;
const TTL = 50_000;

async function scenario(seed: number) {
  const random = prng(seed);
  const store = new CountingStore();
  const clock = { now: T0, nowMs: () => clock.now };
  let ids = 0;
  const deps = {
    store,
    clock,
    ids: { newId: () => `s${seed}-${++ids}` },
    decisionRules: builtInDecisionRules,
    authorizationTtlMs: TTL,
  };
  const act = (action: CardAction) =>
    cardAction(
      deps,
      {
        accountId: 'a1',
        idempotency: { key: `k${++ids}`, payloadHash: `h${ids}` },
        respond: (_events, { authorizationId }) => ({ statusCode: 201, body: authorizationId ?? '' }),
      },
      action,
    );
  const snapshots = new AccountSnapshots();
  // Stored snapshots every few events, so the runs store many and read them back cold.
  const accountSnapshots = new InMemoryAccountSnapshotStore();
  const every = 1 + Math.floor(random() * 8);
  const approvals: string[] = [];
  let payments = 0;
  await act({ kind: 'open', creditLimit: 50_000n, currency: 'EUR' });
  for (let step = 0; step < 60; step++) {
    clock.now += Math.floor(random() * 5_000);
    const pick = random();
    if (pick < 0.4) {
      const outcome = await act({
        kind: 'authorize',
        amount: BigInt(1 + Math.floor(random() * 9_000)),
        merchant: { id: 'm', mcc: '5942' },
      });
      if (outcome.kind === 'recorded') approvals.push(outcome.response.body);
    } else if (pick < 0.55 && approvals.length > 0) {
      const id = approvals.splice(Math.floor(random() * approvals.length), 1)[0] as string;
      await act(
        random() < 0.5 ? { kind: 'capture', authorizationId: id } : { kind: 'void', authorizationId: id },
      );
    } else if (pick < 0.65) {
      await act({
        kind: 'pay',
        paymentId: `p${++payments}`,
        amount: BigInt(1 + Math.floor(random() * 5_000)),
      });
    } else if (pick < 0.7 && payments > 0) {
      await act({ kind: 'return', paymentId: `p${1 + Math.floor(random() * payments)}`, reason: 'nsf' });
    } else if (pick < 0.75) {
      await act({ kind: 'limit', creditLimit: BigInt(20_000 + Math.floor(random() * 60_000)) });
    } else if (pick < 0.85) {
      // A credit in another lane, unconditioned: the snapshot must pick up every lane's tail.
      const lane = 1 + Math.floor(random() * 3);
      await store.append({
        walletId: 'a1',
        lane,
        expected: await store.head('a1', lane),
        events: [
          {
            type: 'Deposited',
            data: { amountMinor: BigInt(1 + Math.floor(random() * 3_000)), occurredAtMs: clock.now },
            eventId: `d${++ids}`,
            recordedAtMs: clock.now,
          },
        ],
      });
    }
    const check = random();
    if (check < 0.5) {
      // A read from the snapshot equals a fold of the whole log, at the same time of reading:
      // warm (this instance's snapshot), and cold (a new instance, from the stored snapshot).
      const cold = check < 0.2;
      const reader = cold ? new AccountSnapshots(1_000, every) : snapshots;
      const read = await accountNow({ store, clock, snapshots: reader, accountSnapshots }, 'a1');
      const full = accountBalance(foldWallet(await readWallet(store, 'a1'), initialWalletState()), clock.now);
      expect(read?.balance, `seed ${seed} step ${step} ${cold ? 'cold' : 'warm'}`).toEqual(full);
    }
  }
  return { store, clock, snapshots, accountSnapshots };
}

describe('account reads from a snapshot', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    'equal a fold of the whole log after any interleaving (seed %i)',
    async (seed) => {
      await scenario(seed);
    },
  );

  it('read only the tail: nothing when nothing changed, one event after one write', async () => {
    const { store, clock, snapshots } = await scenario(42);
    await accountNow({ store, clock, snapshots }, 'a1');
    store.eventsRead = 0;
    await accountNow({ store, clock, snapshots }, 'a1');
    expect(store.eventsRead).toBe(0);
    await cardAction(
      { store, clock, ids: { newId: () => 'one-more' }, decisionRules: builtInDecisionRules },
      {
        accountId: 'a1',
        idempotency: { key: 'one-more', payloadHash: 'h' },
        respond: () => ({ statusCode: 201, body: '' }),
      },
      { kind: 'pay', paymentId: 'one-more', amount: 1n },
    );
    store.eventsRead = 0;
    const read = await accountNow({ store, clock, snapshots }, 'a1');
    // The one new event (lane 0) came with the registry: no lane read.
    expect(store.eventsRead).toBe(0);
    const full = accountBalance(foldWallet(await readWallet(store, 'a1'), initialWalletState()), clock.now);
    expect(read?.balance).toEqual(full);
  });

  it('a cold instance starts from the stored snapshot and reads only the events after it', async () => {
    const { store, clock } = await scenario(7);
    const accountSnapshots = new InMemoryAccountSnapshotStore();
    const events = (await readWallet(store, 'a1')).length;
    expect(events).toBeGreaterThan(10);
    // A first instance folds the whole log and stores it (10 or more events past no snapshot).
    const first = new AccountSnapshots(1_000, 10);
    await accountNow({ store, clock, snapshots: first, accountSnapshots }, 'a1');
    expect(accountSnapshots.versionOf('a1')).toBe(events);
    await cardAction(
      { store, clock, ids: { newId: () => 'after-snap' }, decisionRules: builtInDecisionRules },
      {
        accountId: 'a1',
        idempotency: { key: 'after-snap', payloadHash: 'h' },
        respond: () => ({ statusCode: 201, body: '' }),
      },
      { kind: 'pay', paymentId: 'after-snap', amount: 1n },
    );
    // A cold instance reads the snapshot and the one event after it, not the whole log: that
    // event with the registry (lane 0's newest), no lane read.
    store.eventsRead = 0;
    store.tailEvents = 0;
    const cold = await accountNow(
      { store, clock, snapshots: new AccountSnapshots(1_000, 10), accountSnapshots },
      'a1',
    );
    expect(store.eventsRead).toBe(0);
    expect(store.tailEvents).toBeLessThanOrEqual(LANE_ZERO_TAIL);
    const full = accountBalance(foldWallet(await readWallet(store, 'a1'), initialWalletState()), clock.now);
    expect(cold?.balance).toEqual(full);
    // Without the stored snapshot, a cold instance folds everything.
    store.eventsRead = 0;
    await accountNow({ store, clock, snapshots: new AccountSnapshots() }, 'a1');
    expect(store.eventsRead).toBe(events + 1);
  });

  it('a cold read waits on the table twice: the stored snapshot with the registry and lane 0’s newest events, then every other lane’s tail together', async () => {
    const { store, clock } = await scenario(7);
    expect((await store.lanes('a1')).length).toBeGreaterThan(1);
    const accountSnapshots = new InMemoryAccountSnapshotStore();
    await accountNow({ store, clock, snapshots: new AccountSnapshots(1_000, 1), accountSnapshots }, 'a1');
    const rounds = new Rounds();
    const tailReads = (await store.lanes('a1')).filter((lane) => lane !== 0).map(() => 'read');
    const deps = {
      store: rounds.remote(store),
      clock,
      snapshots: new AccountSnapshots(),
      accountSnapshots: rounds.remote(accountSnapshots),
    };
    const read = await accountNow(deps, 'a1');
    expect(rounds.list()).toEqual([['latest', 'tailAndLanes'], tailReads]);
    const full = accountBalance(foldWallet(await readWallet(store, 'a1'), initialWalletState()), clock.now);
    expect(read?.balance).toEqual(full);
  });

  it('an account never opened reads as none, after one wait (no lane read)', async () => {
    const rounds = new Rounds();
    const store = rounds.remote(new InMemoryEventStore() as EventStore);
    const accountSnapshots = rounds.remote(new InMemoryAccountSnapshotStore());
    const deps = { store, clock: { nowMs: () => T0 }, snapshots: new AccountSnapshots(), accountSnapshots };
    expect(await accountNow(deps, 'nobody')).toBeUndefined();
    expect(rounds.list()).toEqual([['latest', 'tailAndLanes']]);
  });

  it('a state further behind in lane 0 than the newest events reach reads lane 0 from it, equal to the whole fold', async () => {
    const { store, clock } = await scenario(7);
    const lane0 = (await readWallet(store, 'a1')).filter((event) => event.lane === 0).length;
    expect(lane0).toBeGreaterThan(LANE_ZERO_TAIL);
    const rounds = new Rounds();
    const read = await accountNow(
      { store: rounds.remote(store as EventStore), clock, snapshots: new AccountSnapshots() },
      'a1',
    );
    const lanes = await store.lanes('a1');
    expect(rounds.list()).toEqual([['tailAndLanes'], lanes.map(() => 'read')]);
    const full = accountBalance(foldWallet(await readWallet(store, 'a1'), initialWalletState()), clock.now);
    expect(read?.balance).toEqual(full);
  });

  it('without the store’s tail read, reads the registry, then every lane', async () => {
    const { store, clock } = await scenario(3);
    const rounds = new Rounds();
    const plain = new Proxy(store as EventStore, {
      get: (target, name) => (name === 'tailAndLanes' ? undefined : Reflect.get(target, name)),
    });
    const read = await accountNow(
      { store: rounds.remote(plain), clock, snapshots: new AccountSnapshots() },
      'a1',
    );
    const lanes = await store.lanes('a1');
    expect(rounds.list()).toEqual([['lanes'], lanes.map(() => 'read')]);
    const full = accountBalance(foldWallet(await readWallet(store, 'a1'), initialWalletState()), clock.now);
    expect(read?.balance).toEqual(full);
  });
});
