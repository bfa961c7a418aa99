import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { handleCommand } from '#app/command-handler.ts';
import { enableGroupCommit } from '#app/group-commit.ts';
import { HeadCache } from '#app/head-cache.ts';
import type { WalletWrite, WriteOutcome } from '#app/write-outcome.ts';
import { foldWallet, initialWalletState } from '#domain/wallet.ts';
import { prng } from '../../../bench/prng.ts';
import { FaultyGroupStore, type GroupFaults } from '../../support/faulty-group-store.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import {
  type CallOp,
  commandOfOp,
  depositArb,
  holdArb,
  type Call as OneWalletCall,
  releaseArb,
  writeOfCall,
} from '../../support/one-wallet-calls.ts';
import { turns } from '../../support/turns.ts';

/**
 * One wallet's writers in two processes (each its own group commit, queue and carried state) and
 * some alone, on one store that fails at every await: a lost race on any append, a throttled
 * write, a throttled READ (a head, the registry, a page of the log, a key), and a commit whose
 * answer is lost. Whatever the interleaving:
 * - a caller that heard "recorded" finds exactly its events in the log; one that heard an error
 *   has nothing in it, unless a commit holding its events lost its answer (a timeout: the client
 *   cannot tell, and sends again); any other answer wrote nothing of its own;
 * - no overdraw; a key takes effect once, for one payload; the balance is what came in;
 * - then every keyed call that heard an error is sent again (its client retries with its key):
 *   one that took effect hears "replayed" and writes nothing; the log is as above.
 * group-commit.property.test.ts fails writes only. Checked by breaking the code: re-running a
 * batch's parts alone after an error that may have committed (group-commit-batch.ts `failed`)
 * writes a command twice, and a refusal that does not look its key up answers a retry "rejected"
 * for a request that took effect; both fail here. The deferred command told of a failed batch's
 * error (group-commit-deferred-failure.test.ts) needs a deferral, a lost race and a failed read in
 * one batch: this property reached that path about once in 300 runs and did not fail on it, so
 * that test pins it case by case.
 */

const WALLET = 'w1';
const START = 500n;

interface Call extends OneWalletCall {
  /** Which writer sends it: process 0 or 1 (group commit), or 2 (alone). */
  writer: number;
}

const opArb: fc.Arbitrary<CallOp> = fc.oneof(
  depositArb,
  holdArb,
  // The hold of a call shortly before (often in the same batch: its expiry item defers the release).
  releaseArb(3),
  // Two may not share a transaction: later commands wait for the next batch.
  fc.record({ kind: fc.constant('fact' as const), awards: fc.integer({ min: 40, max: 60 }) }),
);

/** Keys from a small pool (twins: the same op again; reuse: another op), some calls unkeyed. */
const callsArb = fc
  .array(
    fc.record({
      op: opArb,
      key: fc.option(fc.nat(6), { nil: undefined }),
      twinOf: fc.option(fc.nat(30), { nil: undefined }),
      writer: fc.nat(2),
    }),
    { minLength: 2, maxLength: 24 },
  )
  .map((drawn) => {
    const calls: Call[] = [];
    for (const { op, key, twinOf, writer } of drawn) {
      const twin = twinOf === undefined ? undefined : calls[twinOf % Math.max(1, calls.length)];
      if (twin?.key !== undefined) calls.push({ ...twin, writer });
      else
        calls.push({
          op,
          payload: JSON.stringify(op),
          writer,
          ...(key === undefined ? {} : { key: `k${key}` }),
        });
    }
    return calls;
  });

/**
 * Call `index`'s write. A hold's id is new with each request, as holds.ts makes it
 * (h<index>.<attempt>): a retry is a new request with the same key.
 */
const writeOf = (call: Call, index: number, attempt: number): WalletWrite =>
  writeOfCall(WALLET, call, index, () =>
    commandOfOp(WALLET, call.op, `h${index}.${attempt}`, (of) => `h${index - 1 - of}.0`),
  );

const noPause = (seed: number) => ({
  attemptsMax: 30,
  backoffBaseMs: 0,
  backoffCapMs: 0,
  sleep: async () => {},
  random: prng(seed),
});

const eventsOfCall = (inner: InMemoryEventStore, index: number) =>
  inner
    .storedEvents(WALLET)
    .filter((event) => event.eventId === `e${index}` || event.eventId.startsWith(`e${index}-`))
    .map((event) => event.eventId);

describe('group commit when reads fail and answers are lost', () => {
  it('answers agree with the log, nothing overdraws or counts twice, and a retry with the key replays', async () => {
    let crashes = 0;
    let readFailures = 0;
    await fc.assert(
      fc.asyncProperty(callsArb, fc.integer(), async (calls, seed) => {
        const inner = new InMemoryEventStore();
        await inner.append({
          walletId: WALLET,
          lane: 0,
          expected: { version: 0, hash: '' },
          events: [
            {
              type: 'Deposited',
              data: { amountMinor: START, occurredAtMs: 1 },
              eventId: 'seed',
              recordedAtMs: 1,
            },
          ],
        });
        const faults: GroupFaults = {
          random: prng(seed),
          conflict: 0.15,
          throttle: 0.05,
          readThrottle: 0.04,
          crashAfterAnyCommit: 0.15,
        };
        // Two processes: each its own store object (group commit queues and carries per store) and head cache.
        const processes = [0, 1].map(() => {
          const store = new FaultyGroupStore(inner, faults);
          enableGroupCommit(store);
          return { store, heads: new HeadCache() };
        });
        const alone = { store: processes[0]?.store as FaultyGroupStore, heads: new HeadCache() };
        const send = (call: Call, index: number, attempt: number) => {
          const writer = call.writer === 2 ? alone : (processes[call.writer] as typeof alone);
          return handleCommand(
            {
              store: writer.store,
              heads: writer.heads,
              groupCommit: call.writer !== 2,
              retry: noPause(seed + index * 31 + attempt),
            },
            writeOf(call, index, attempt),
          ).catch((error: Error) => error);
        };
        const crashed = () => new Set(processes.flatMap(({ store }) => [...store.crashed]));
        const answers: (WriteOutcome | Error)[] = await Promise.all(
          calls.map((call, index) => send(call, index, 0)),
        );
        // Whatever is still queued runs now: every store call takes a turn or two, never a timer,
        // and a queue ends a turn after its last batch. Counted in turns, not a 10 ms sleep: on a
        // loaded machine a sleep is fewer turns, and 200 sleeps cost 2 s of this test's time.
        await turns(20);

        const check = async () => {
          const log = inner.storedEvents(WALLET);
          const ids = log.map((event) => event.eventId);
          expect(new Set(ids).size).toBe(ids.length);
          const { balance, held } = foldWallet(log, initialWalletState()).balances.money;
          expect(held).toBeLessThanOrEqual(balance);
          const owners = new Map<string, Set<string>>();
          for (const event of log) {
            if (event.idempotencyKey === undefined) continue;
            const set = owners.get(event.idempotencyKey) ?? new Set();
            set.add(event.eventId.split('-')[0] as string);
            owners.set(event.idempotencyKey, set);
          }
          for (const set of owners.values()) expect(set.size).toBe(1);
          let deposited = START;
          for (const [index, call] of calls.entries()) {
            if (call.op.kind === 'deposit' && eventsOfCall(inner, index).length > 0)
              deposited += BigInt(call.op.amount);
          }
          expect(balance).toBe(deposited);
          expect((await inner.verify(WALLET)).ok).toBe(true);
        };

        const lost = crashed();
        for (const [index, answer] of answers.entries()) {
          const call = calls[index] as Call;
          const mine = eventsOfCall(inner, index);
          if (answer instanceof Error) {
            if (answer.name === 'ThrottlingException') readFailures++;
            // An error: nothing of this call was written, unless a commit of it lost its answer.
            for (const id of mine) expect(lost).toContain(id);
            continue;
          }
          if (answer.kind === 'recorded') {
            expect(mine).toEqual(answer.events.map((event) => event.eventId));
            continue;
          }
          expect(mine).toEqual([]);
          if (answer.kind === 'replayed' || answer.kind === 'key-reused') {
            const record = await inner.findIdempotency(call.key as string);
            if (answer.kind === 'replayed') expect(record?.payloadHash).toBe(call.payload);
            else expect(record?.payloadHash).not.toBe(call.payload);
          }
        }
        await check();
        crashes += lost.size;

        // The clients of keyed calls that heard an error send them again, with the same key.
        Object.assign(faults, { conflict: 0, throttle: 0, readThrottle: 0, crashAfterAnyCommit: 0 });
        for (const [index, answer] of answers.entries()) {
          const call = calls[index] as Call;
          if (!(answer instanceof Error) || call.key === undefined) continue;
          const before = eventsOfCall(inner, index);
          const again = await send(call, index, 1);
          if (again instanceof Error) throw again;
          const record = await inner.findIdempotency(call.key);
          if (before.length > 0) {
            // It took effect the first time: the retry is answered from its record, writing nothing.
            expect(again).toMatchObject({ kind: 'replayed' });
            expect(eventsOfCall(inner, index)).toEqual(before);
          } else if (again.kind === 'recorded') {
            expect(record?.payloadHash).toBe(call.payload);
            expect(eventsOfCall(inner, index)).toEqual(again.events.map((event) => event.eventId));
          } else {
            expect(eventsOfCall(inner, index)).toEqual([]);
          }
        }
        await check();
      }),
      { numRuns: 200 },
    );
    // The faults this property is about did happen.
    expect(crashes).toBeGreaterThan(10);
    expect(readFailures).toBeGreaterThan(20);
    // 200 runs of CPU work: 4.5–4.7 s at a load of 7 on 2 cores, but 12–22 s with two busy loops
    // beside other runs (stop 21), where the default 20 s timed out. The timeout is no hang guard
    // here: each run waits only on calls that are all answered, or the property fails.
  }, 120_000);
});
