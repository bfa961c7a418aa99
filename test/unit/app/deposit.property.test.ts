import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DepositDeps, type DepositResult, recordDeposit } from '#app/deposit.ts';
import { HeadCache } from '#app/head-cache.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';

let tick = 0;

/**
 * One writer (a Lambda instance of its own): a clock and ids that move on every call, so a response
 * built twice would differ, and lane choices from `randoms`.
 */
function deps(store: InMemoryEventStore, randoms: number[] = [0.5]): DepositDeps {
  let next = 0;
  return {
    store,
    clock: { nowMs: () => 1_700_000_000_000 + 1_000 * ++tick },
    ids: { newId: () => `id-${++tick}` },
    heads: new HeadCache(),
    retry: {
      attemptsMax: 50,
      backoffBaseMs: 1,
      backoffCapMs: 1,
      sleep: async () => {},
      random: () => randoms[next++ % randoms.length] ?? 0,
    },
  };
}

const deposit = (walletId: string, amountMinor: bigint, key: string, payloadHash: string) => ({
  walletId,
  amountMinor,
  idempotency: { key, payloadHash },
  respond: (events: { lane: number; version: number; eventId: string; recordedAtMs: number }[]) => ({
    statusCode: 201,
    body: JSON.stringify(
      events.map((event) => [event.lane, event.version, event.eventId, event.recordedAtMs]),
    ),
  }),
});

const responseOf = (result: DepositResult) =>
  result.kind === 'recorded' || result.kind === 'replayed' ? result.response : undefined;

describe('duplicates change nothing', () => {
  it('(e) the same key and payload N times appends once and answers the same response', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 3 }),
        fc.bigInt({ min: 1n, max: 10n ** 14n }),
        fc.integer({ min: 0, max: 4 }),
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
          minLength: 1,
          maxLength: 5,
        }),
        async (times, concurrent, earlierDeposits, amountMinor, rivals, randoms) => {
          const store = new InMemoryEventStore();
          const d = deps(store, randoms);
          for (let index = 0; index < earlierDeposits; index++) {
            await recordDeposit(d, deposit('w1', 1n, `other-${index}`, `ph-other-${index}`));
          }
          const once = () => recordDeposit(deps(store, randoms), deposit('w1', amountMinor, 'k', 'ph'));
          const rival = (index: number) =>
            recordDeposit(deps(store, randoms), deposit('w1', 7n, `rival-${index}`, `ph-rival-${index}`));
          const results: DepositResult[] = [];
          if (concurrent) {
            // The twins race each other and writers with other keys, so some lose and change lanes.
            const all = await Promise.all([
              ...Array.from({ length: times }, once),
              ...Array.from({ length: rivals }, (_, index) => rival(index)),
            ]);
            results.push(...all.slice(0, times));
            expect(all.slice(times).every((result) => result.kind === 'recorded')).toBe(true);
          } else {
            for (let index = 0; index < times; index++) results.push(await once());
            for (let index = 0; index < rivals; index++) await rival(index);
          }

          expect(results.filter((result) => result.kind === 'recorded')).toHaveLength(1);
          expect(results.filter((result) => result.kind === 'replayed')).toHaveLength(times - 1);
          const first = responseOf(results.find((result) => result.kind === 'recorded') as DepositResult);
          for (const result of results) expect(responseOf(result)).toEqual(first);

          const events = store.storedEvents('w1');
          expect(events).toHaveLength(earlierDeposits + rivals + 1);
          expect(
            events
              .filter((event) => event.idempotencyKey === 'k')
              .map((event) => (event.type === 'Deposited' ? event.data.amountMinor : undefined)),
          ).toEqual([amountMinor]);
          expect((await store.findIdempotency('k'))?.response).toEqual(first);

          // The same key with another payload is refused and changes nothing either.
          const reused = await recordDeposit(d, deposit('w1', amountMinor + 1n, 'k', 'ph-different'));
          expect(reused).toEqual({ kind: 'key-reused' });
          expect(store.storedEvents('w1')).toHaveLength(earlierDeposits + rivals + 1);
        },
      ),
      { numRuns: 200 },
    );
  });
});
