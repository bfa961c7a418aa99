import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { enableGroupCommit } from '#app/group-commit.ts';
import { type TransferResult, transfer } from '#app/transfer.ts';
import { foldWallet, initialWalletState } from '#domain/wallet.ts';
import type { EventStore } from '#ports/event-store.ts';
import { prng } from '../../../bench/prng.ts';
import { FaultyGroupStore } from '../../support/faulty-group-store.ts';
import { InMemoryGroupStore } from '../../support/in-memory-group-store.ts';

/**
 * Group commit of transfers (group-commit-two.ts): no interleaving overdraws a wallet, creates or
 * loses money, or applies a key twice, through injected TransactionConflicts and throttling; and
 * with no other writer, each caller hears what one-at-a-time in arrival order would have said.
 */

const WALLETS = ['a', 'b', 'c'];
const START = 300n;
const noPause = {
  attemptsMax: 30,
  backoffBaseMs: 0,
  backoffCapMs: 0,
  sleep: async () => {},
  random: () => 0.5,
};

interface Call {
  from: string;
  to: string;
  amount: bigint;
  key: string;
}

const callsArb = (pool: number) =>
  fc.array(
    fc.record({
      from: fc.constantFrom(...WALLETS),
      step: fc.integer({ min: 1, max: 2 }),
      amount: fc.bigInt({ min: 1n, max: 250n }),
      key: fc.nat(pool),
    }),
    { minLength: 2, maxLength: 20 },
  );

async function seeded(): Promise<InMemoryGroupStore> {
  const store = new InMemoryGroupStore();
  for (const walletId of WALLETS) {
    await store.append({
      walletId,
      lane: 0,
      expected: { version: 0, hash: '' },
      events: [
        {
          type: 'Deposited',
          data: { amountMinor: START, occurredAtMs: 1 },
          eventId: `seed-${walletId}`,
          recordedAtMs: 1,
        },
      ],
    });
  }
  return store;
}

function send(store: EventStore, call: Call, index: number): Promise<TransferResult | Error> {
  let id = 0;
  return transfer(
    {
      store,
      clock: { nowMs: () => 5 },
      ids: { newId: () => `t${index}${id++ === 0 ? '' : `.${id}`}` },
      retry: noPause,
    },
    {
      from: call.from,
      to: call.to,
      asset: 'money',
      amount: call.amount,
      idempotency: { key: call.key, payloadHash: `${call.from}>${call.to}:${call.amount}` },
      respond: (transferId) => ({ statusCode: 201, body: transferId }),
    },
  ).catch((error: Error) => error);
}

const toCalls = (
  drawn: { from: string; step: number; amount: bigint; key: number }[],
  distinct: boolean,
): Call[] =>
  drawn.map(({ from, step, amount, key }, index) => ({
    from,
    to: WALLETS[(WALLETS.indexOf(from) + step) % WALLETS.length] as string,
    amount,
    key: distinct ? `k${index}` : `k${key}`,
  }));

const money = (store: InMemoryGroupStore, walletId: string) =>
  foldWallet(store.storedEvents(walletId), initialWalletState()).balances.money;

const heard = (answer: TransferResult | Error) =>
  answer instanceof Error
    ? 'threw'
    : answer.kind === 'rejected'
      ? answer.error.code
      : answer.kind === 'recorded' || answer.kind === 'replayed'
        ? `${answer.kind}:${answer.response.body}`
        : answer.kind;

describe('group commit of transfers', () => {
  it('answers as one at a time in arrival order would, through injected TransactionConflicts', async () => {
    await fc.assert(
      fc.asyncProperty(callsArb(0), fc.integer(), async (drawn, seed) => {
        const calls = toCalls(drawn, true);
        const serialStore = await seeded();
        const serial = [];
        for (const [index, call] of calls.entries()) serial.push(heard(await send(serialStore, call, index)));
        const inner = await seeded();
        const store = new FaultyGroupStore(inner, {
          random: prng(seed),
          conflict: 0.3,
          throttle: 0,
          steadyKeyReads: true,
        });
        enableGroupCommit(store);
        const grouped = await Promise.all(calls.map((call, index) => send(store, call, index)));
        expect(grouped.map(heard)).toEqual(serial);
        for (const walletId of WALLETS) expect(money(inner, walletId)).toEqual(money(serialStore, walletId));
      }),
      { numRuns: 120 },
    );
  });

  it('never overdraws, creates or loses money, or applies a key twice, with twins, throttling and conflicts', async () => {
    let tried = 0;
    await fc.assert(
      fc.asyncProperty(callsArb(6), fc.integer(), async (drawn, seed) => {
        const calls = toCalls(drawn, false);
        const inner = await seeded();
        const store = new FaultyGroupStore(inner, { random: prng(seed), conflict: 0.15, throttle: 0.1 });
        enableGroupCommit(store);
        const answers = await Promise.all(calls.map((call, index) => send(store, call, index)));
        let total = 0n;
        for (const walletId of WALLETS) {
          const { balance, held } = money(inner, walletId);
          expect(balance - held).toBeGreaterThanOrEqual(0n);
          total += balance;
        }
        expect(total).toBe(START * BigInt(WALLETS.length));
        const log = WALLETS.flatMap((walletId) => inner.storedEvents(walletId));
        const byKey = new Map<string, Set<string>>();
        for (const event of log) {
          if (event.idempotencyKey === undefined) continue;
          byKey.set(
            event.idempotencyKey,
            (byKey.get(event.idempotencyKey) ?? new Set()).add(event.eventId.split('-')[0] as string),
          );
        }
        for (const transfers of byKey.values()) expect(transfers.size).toBe(1);
        for (const [index, answer] of answers.entries()) {
          const mine = log.filter((event) => event.eventId.startsWith(`t${index}-`));
          if (!(answer instanceof Error) && answer.kind === 'recorded') expect(mine).toHaveLength(2);
          else expect(mine).toEqual([]);
          if (!(answer instanceof Error) && answer.kind === 'replayed') {
            expect(answer.response).toEqual(
              (await inner.findIdempotency((calls[index] as Call).key))?.response,
            );
          }
        }
        for (const walletId of WALLETS) expect((await inner.verify(walletId)).ok).toBe(true);
        tried += store.groupParts;
      }),
      { numRuns: 120 },
    );
    expect(tried).toBeGreaterThan(50);
  });
});
