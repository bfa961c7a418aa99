import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { handleCommand } from '#app/command-handler.ts';
import { HeadCache } from '#app/head-cache.ts';
import type { WalletWrite, WriteOutcome } from '#app/write-outcome.ts';
import { foldWallet, initialWalletState } from '#domain/wallet.ts';
import { prng } from '../../../bench/prng.ts';
import { FaultyGroupStore } from '../../support/faulty-group-store.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import {
  type Call,
  type CallOp,
  commandOfOp,
  depositArb,
  holdArb,
  releaseArb,
  writeOfCall,
} from '../../support/one-wallet-calls.ts';

/**
 * Group commit never overdraws nor applies a request twice, whatever the interleaving and the
 * injected TransactionConflicts and throttling; and with no other writer, every caller hears what
 * it would have heard had the commands run one at a time, in the order they arrived.
 */

const WALLET = 'w1';
const START_MINOR = 500n;

const opArb: fc.Arbitrary<CallOp> = fc.oneof(depositArb, holdArb, releaseArb(20));

/** Distinct keys (or none): the serial comparison holds exactly. */
const distinctCalls = fc
  .array(fc.record({ op: opArb, keyed: fc.boolean() }), { minLength: 2, maxLength: 20 })
  .map((ops) =>
    ops.map(({ op, keyed }, index): Call => {
      // Lane 0 only: a deposit to another lane commits beside lane 0's queue, not in its order.
      const lane0 = op.kind === 'deposit' ? { ...op, anyLane: false } : op;
      return { op: lane0, payload: JSON.stringify(lane0), ...(keyed ? { key: `k${index}` } : {}) };
    }),
  );

/** Keys drawn from a small pool: twins (same key, same payload) and reuse (same key, other payload). */
const racingCalls = fc
  .array(
    fc.record({
      op: opArb,
      key: fc.option(fc.nat(5), { nil: undefined }),
      twinOf: fc.option(fc.nat(30), { nil: undefined }),
    }),
    {
      minLength: 2,
      maxLength: 24,
    },
  )
  .map((drawn) => {
    const calls: Call[] = [];
    for (const { op, key, twinOf } of drawn) {
      const twin = twinOf === undefined ? undefined : calls[twinOf % Math.max(1, calls.length)];
      if (twin?.key !== undefined) calls.push({ ...twin });
      else calls.push({ op, payload: JSON.stringify(op), ...(key === undefined ? {} : { key: `k${key}` }) });
    }
    return calls;
  });

const writeOf = (call: Call, index: number): WalletWrite =>
  writeOfCall(WALLET, call, index, () => commandOfOp(WALLET, call.op, `e${index}`, (of) => `e${of}`));

async function seeded(): Promise<InMemoryEventStore> {
  const store = new InMemoryEventStore();
  await store.append({
    walletId: WALLET,
    lane: 0,
    expected: { version: 0, hash: '' },
    events: [
      {
        type: 'Deposited',
        data: { amountMinor: START_MINOR, occurredAtMs: 1 },
        eventId: 'seed',
        recordedAtMs: 1,
      },
    ],
  });
  return store;
}

/** What a caller heard, in terms both runs can be compared by. */
function heard(outcome: WriteOutcome | Error) {
  if (outcome instanceof Error) return { kind: 'threw' };
  switch (outcome.kind) {
    case 'recorded':
      return {
        kind: 'recorded',
        events: outcome.events.map((event) => [event.type, event.eventId]),
        body: outcome.response?.body,
      };
    case 'rejected':
      return { kind: 'rejected', code: outcome.error.code };
    case 'replayed':
      return { kind: 'replayed', body: outcome.response.body };
    default:
      return { kind: outcome.kind };
  }
}

const money = async (store: InMemoryEventStore) => {
  const state = foldWallet(store.storedEvents(WALLET), initialWalletState());
  return state.balances.money;
};

describe('group commit', () => {
  it('answers every caller as the same commands run one at a time would, in arrival order, through injected TransactionConflicts', async () => {
    await fc.assert(
      fc.asyncProperty(distinctCalls, fc.integer(), async (calls, seed) => {
        const serialStore = await seeded();
        const serial = [];
        for (const [index, call] of calls.entries()) {
          const heads = new HeadCache();
          serial.push(
            heard(
              await handleCommand({ store: serialStore, heads, groupCommit: false }, writeOf(call, index)),
            ),
          );
        }
        const store = new FaultyGroupStore(await seeded(), {
          random: prng(seed),
          conflict: 0.3,
          throttle: 0,
        });
        const heads = new HeadCache();
        const grouped = await Promise.all(
          calls.map((call, index) =>
            handleCommand({ store, heads, groupCommit: true }, writeOf(call, index)).catch(
              (error: Error) => error,
            ),
          ),
        );
        // Deposits to other lanes land at other versions: compare what was decided, not where.
        const strip = (answer: ReturnType<typeof heard>) => ({ ...answer, body: undefined });
        expect(grouped.map(heard).map(strip)).toEqual(serial.map(strip));
        const inner = (store as unknown as { inner: InMemoryEventStore }).inner;
        expect(await money(inner)).toEqual(await money(serialStore));
        expect((await inner.verify(WALLET)).ok).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('never overdraws nor applies a request twice, with twins, reused keys, another process and throttling', async () => {
    let batchedParts = 0;
    await fc.assert(
      fc.asyncProperty(racingCalls, fc.integer(), async (calls, seed) => {
        const inner = await seeded();
        const store = new FaultyGroupStore(inner, { random: prng(seed), conflict: 0.15, throttle: 0.1 });
        const heads = new HeadCache();
        // Every third call comes from another process: no group commit, its own head cache.
        const answers = await Promise.all(
          calls.map((call, index) => {
            const own = index % 3 === 2 ? new HeadCache() : heads;
            const deps = {
              store,
              heads: own,
              groupCommit: index % 3 !== 2,
              retry: {
                attemptsMax: 30,
                backoffBaseMs: 0,
                backoffCapMs: 0,
                sleep: async () => {},
                random: prng(seed + index),
              },
            };
            return handleCommand(deps, writeOf(call, index)).catch((error: Error) => error);
          }),
        );
        const log = inner.storedEvents(WALLET);
        const ids = log.map((event) => event.eventId);
        expect(new Set(ids).size).toBe(ids.length);
        // No interleaving overdraws: held never exceeds the balance (the floor is 0).
        const { balance, held } = await money(inner);
        expect(held).toBeLessThanOrEqual(balance);
        // Each key took effect at most once, and its events are one call's.
        const byKey = new Map<string, Set<string>>();
        for (const event of log) {
          if (event.idempotencyKey === undefined) continue;
          const owners = byKey.get(event.idempotencyKey) ?? new Set();
          owners.add(event.eventId.split('-')[0] as string);
          byKey.set(event.idempotencyKey, owners);
        }
        for (const owners of byKey.values()) expect(owners.size).toBe(1);
        let deposited = START_MINOR;
        for (const [index, answer] of answers.entries()) {
          const call = calls[index] as Call;
          const mine = log.filter(
            (event) => event.eventId === `e${index}` || event.eventId.startsWith(`e${index}-`),
          );
          if (!(answer instanceof Error) && answer.kind === 'recorded') {
            expect(mine.map((event) => event.eventId)).toEqual(answer.events.map((event) => event.eventId));
            if (call.op.kind === 'deposit') deposited += BigInt(call.op.amount);
          } else {
            // Refused, replayed, reused, contended or throttled: nothing of this call was written.
            expect(mine).toEqual([]);
          }
          if (!(answer instanceof Error) && answer.kind === 'replayed') {
            const record = await inner.findIdempotency(call.key as string);
            expect(record?.payloadHash).toBe(call.payload);
            expect(answer.response).toEqual(record?.response);
          }
          if (!(answer instanceof Error) && answer.kind === 'key-reused') {
            expect((await inner.findIdempotency(call.key as string))?.payloadHash).not.toBe(call.payload);
          }
        }
        // The log's balance is exactly the deposits whose callers heard "recorded".
        expect(balance).toBe(deposited);
        expect((await inner.verify(WALLET)).ok).toBe(true);
        batchedParts += store.groupParts;
      }),
      { numRuns: 150 },
    );
    // The property is about batches (group-commit.test.ts shows them case by case): some were tried.
    expect(batchedParts).toBeGreaterThan(50);
  });
});
