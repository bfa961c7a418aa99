import { beforeAll, describe, expect, it } from 'vitest';
import { enableGroupCommit } from '#app/group-commit.ts';
import { indexChangesOf } from '#app/trading-index.ts';
import { type TransferResult, transfer } from '#app/transfer.ts';
import { handleTwoWalletCommand } from '#app/two-wallet-command.ts';
import { decide, foldWallet, initialWalletState, type WalletCommand } from '#domain/wallet.ts';
import type { AppendTogetherGroupRequest, AppendTogetherRequest, EventStore } from '#ports/event-store.ts';
import { InMemoryGroupStore } from '../../support/in-memory-group-store.ts';

/**
 * Two-wallet group commit decides a batch on the states the last batch left (group-commit-two-
 * states.ts), without reading. These cases pin down when that is allowed: never after another
 * writer took lane 0 (the batch must read again and still never overdraw), and never to refuse
 * (a credit in another lane may have come since).
 */

const noPause = {
  attemptsMax: 30,
  backoffBaseMs: 0,
  backoffCapMs: 0,
  sleep: async () => {},
  random: () => 0.5,
};

/** Counts reads, and holds appends at a gate the test opens, so batches form as the test says. */
class GatedStore extends InMemoryGroupStore {
  reads = 0;
  keyReads = 0;
  groupAppends = 0;
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;
  /** Runs once, before the next group append reaches the store: another writer getting in. */
  beforeNextGroup: (() => Promise<void>) | undefined;

  close(): void {
    this.gate = new Promise((resolve) => {
      this.open = resolve;
    });
  }
  /** Lets what waits at the gate through; with `closeAgain`, what comes after waits at a new one. */
  release(closeAgain = false): void {
    const open = this.open;
    this.gate = undefined;
    this.open = undefined;
    if (closeAgain) this.close();
    open?.();
  }
  override async head(...args: Parameters<InMemoryGroupStore['head']>) {
    this.reads++;
    return super.head(...args);
  }
  override async lanes(walletId: string) {
    this.reads++;
    return super.lanes(walletId);
  }
  override read(...args: Parameters<InMemoryGroupStore['read']>) {
    this.reads++;
    return super.read(...args);
  }
  override async findIdempotency(key: string) {
    this.keyReads++;
    return super.findIdempotency(key);
  }
  override async appendTogether(request: AppendTogetherRequest) {
    await this.gate;
    return super.appendTogether(request);
  }
  override async appendTogetherGroup(request: AppendTogetherGroupRequest) {
    this.groupAppends++;
    await this.gate;
    const hook = this.beforeNextGroup;
    this.beforeNextGroup = undefined;
    await hook?.();
    return super.appendTogetherGroup(request);
  }
}

const deposited = (walletId: string, amount: bigint, lane = 0, version = 0) => ({
  walletId,
  lane,
  expected: { version, hash: '' },
  events: [
    {
      type: 'Deposited' as const,
      data: { amountMinor: amount, occurredAtMs: 1 },
      eventId: `seed-${walletId}-${lane}`,
      recordedAtMs: 1,
    },
  ],
});

async function seeded(balances: Record<string, bigint>): Promise<GatedStore> {
  const store = new GatedStore();
  enableGroupCommit(store);
  for (const [walletId, amount] of Object.entries(balances)) await store.append(deposited(walletId, amount));
  return store;
}

let ids = 0;
function send(store: EventStore, from: string, to: string, amount: bigint): Promise<TransferResult> {
  const key = `k${++ids}`;
  return transfer(
    { store, clock: { nowMs: () => 5 }, ids: { newId: () => `t${ids}-${key}` }, retry: noPause },
    {
      from,
      to,
      asset: 'money',
      amount,
      idempotency: { key, payloadHash: `${from}>${to}:${amount}` },
      respond: (transferId) => ({ statusCode: 201, body: transferId }),
    },
  );
}

/** A transfer by "another process": the same store, without this process's group commit. */
function sendElsewhere(store: EventStore, from: string, to: string, amount: bigint) {
  const key = `other-${++ids}`;
  const common = { asset: 'money' as const, amount, transferId: key, occurredAtMs: 5 };
  return handleTwoWalletCommand<WalletCommand>(
    { store, retry: noPause, groupCommit: false },
    {
      indexes: indexChangesOf,
      decide,
      wallets: [
        { walletId: from, command: () => ({ type: 'TransferOut', walletId: from, to, ...common }) },
        { walletId: to, command: () => ({ type: 'TransferIn', walletId: to, from, ...common }) },
      ],
      stamp: (events, command) =>
        events.map((event) => ({
          ...event,
          eventId: `${key}-${command.type}`,
          recordedAtMs: 5,
        })),
    },
  );
}

/** Lets every queued microtask and timer callback run (batches start in `finally` callbacks). */
const settleTurns = async () => {
  for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
};

const available = (store: InMemoryGroupStore, walletId: string) => {
  const { balance, held } = foldWallet(store.storedEvents(walletId), initialWalletState()).balances.money;
  return balance - held;
};

const balance = (store: InMemoryGroupStore, walletId: string) =>
  foldWallet(store.storedEvents(walletId), initialWalletState()).balances.money;

/**
 * Builds the state where this process's last two-wallet batch (on a and b) committed: a runs
 * alone first (its wallets are then read by the next batch), two transfers wait and commit as a
 * batch, and `next` are queued behind that batch. Returns the answers of all of them.
 */
async function afterOneBatch(
  store: GatedStore,
  next: () => Promise<TransferResult>[],
  beforeNext?: () => void,
): Promise<{ first: TransferResult[]; next: TransferResult[] }> {
  store.close();
  const alone = send(store, 'a', 'b', 1n);
  await settleTurns();
  const batch = [send(store, 'a', 'b', 1n), send(store, 'b', 'a', 1n)];
  await settleTurns();
  store.release(true); // the lone one commits; the batch reads a and b, decides, and waits at the gate
  await settleTurns();
  expect(store.groupAppends).toBe(1);
  const queued = next(); // wait behind the batch
  await settleTurns();
  beforeNext?.();
  store.release();
  return { first: await Promise.all([alone, ...batch]), next: await Promise.all(queued) };
}

describe('two-wallet group commit on the states the last batch left', () => {
  // The batch path is loaded with import() the first time two commands wait (group-commit-two.ts).
  // Loaded here first, so the turns the steps below count are the batches' own, not a module load.
  beforeAll(() => import('#app/group-commit-two-batch.ts'));

  it('decides the next batch without reading a wallet or a key', async () => {
    const store = await seeded({ a: 100n, b: 100n });
    let readsBefore = 0;
    let keyReadsBefore = 0;
    const { first, next } = await afterOneBatch(
      store,
      () => [send(store, 'a', 'b', 10n), send(store, 'b', 'a', 5n), send(store, 'a', 'b', 20n)],
      () => {
        readsBefore = store.reads;
        keyReadsBefore = store.keyReads;
      },
    );
    expect([...first, ...next].map((result) => result.kind)).toEqual(Array(6).fill('recorded'));
    // The second batch: no head, lane list, log or key read at all.
    expect(store.reads - readsBefore).toBe(0);
    expect(store.keyReads - keyReadsBefore).toBe(0);
    expect(store.groupAppends).toBe(2);
    expect(balance(store, 'a').balance).toBe(100n - 1n - 1n + 1n - 10n + 5n - 20n);
    expect(balance(store, 'a').balance + balance(store, 'b').balance).toBe(200n);
    for (const walletId of ['a', 'b']) expect((await store.verify(walletId)).ok).toBe(true);
  });

  it('reads again when another writer took lane 0 since, and never overdraws', async () => {
    const store = await seeded({ a: 100n, b: 100n, c: 0n });
    let readsBeforeNext = 0;
    const { next } = await afterOneBatch(
      store,
      // On what the last batch left, a holds 99: both fit. After the other writer, a holds 9.
      () => [send(store, 'a', 'b', 30n), send(store, 'a', 'b', 30n)],
      () => {
        readsBeforeNext = store.reads;
        // Another process takes 90 out of a after this batch decided, before its append lands.
        store.beforeNextGroup = async () => {
          const other = await sendElsewhere(store, 'a', 'c', 90n);
          expect(other.kind).toBe('recorded');
        };
      },
    );
    expect(next.map((result) => result.kind)).toEqual(['rejected', 'rejected']);
    expect(store.reads - readsBeforeNext).toBeGreaterThan(0);
    expect(balance(store, 'a').balance).toBe(9n);
    expect(available(store, 'a')).toBeGreaterThanOrEqual(0n);
    expect(balance(store, 'a').balance + balance(store, 'b').balance + balance(store, 'c').balance).toBe(
      200n,
    );
    for (const walletId of ['a', 'b', 'c']) expect((await store.verify(walletId)).ok).toBe(true);
  });

  it('reads again before refusing, so a credit another lane got since is counted', async () => {
    const store = await seeded({ a: 100n, b: 100n });
    const { next } = await afterOneBatch(
      store,
      () => [send(store, 'a', 'b', 80n), send(store, 'a', 'b', 80n)],
      () => {
        // A deposit lands in a hot lane (credits commute and never touch lane 0): a holds 199.
        void store.append({ ...deposited('a', 100n, 40), expected: { version: 0, hash: '' } });
      },
    );
    expect(next.map((result) => result.kind)).toEqual(['recorded', 'recorded']);
    expect(balance(store, 'a').balance).toBe(100n - 1n - 1n + 1n + 100n - 160n);
    expect(available(store, 'a')).toBeGreaterThanOrEqual(0n);
  });
});
