import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditTrail } from '#app/queries/audit-trail.ts';
import { pointsExplained, pointsFromLog } from '#app/queries/points.ts';
import type { EventPosition } from '#app/queries/positions.ts';
import type { EventStore } from '#ports/event-store.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import {
  expectListingsEqual,
  type FactType,
  history,
  logOnly,
  type Op,
} from '../../support/read-index-history.ts';

/**
 * The award and correction indexes (app/read-indexes.ts) against the log they index: for any
 * history of facts (over several lanes), deposits, corrections and a retroactive rule set, every
 * `/points` listing read through the award index lists exactly the entries a scan of the log
 * lists, in the same order, at every page size; and every audit trail page names the same
 * corrections through the correction links as through the log.
 */

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('fact' as const),
      type: fc.constantFrom<FactType>('answer_is_liked', 'trade', 'question_asked'),
      qty: fc.integer({ min: 0, max: 30 }),
      lane: fc.constantFrom(0, 0, 1, 2, 33),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('deposit' as const),
      amountMinor: fc.bigInt({ min: 1n, max: 5_000n }),
      lane: fc.constantFrom(0, 1, 33),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('correct' as const),
      pick: fc.nat(),
      action: fc.constantFrom<'void' | 'amend'>('void', 'amend'),
      qty: fc.integer({ min: 0, max: 30 }),
    }),
  },
);

describe('the read indexes equal the fold of the log', () => {
  it('lists the same awards and corrections through the indexes as through the log, at every page size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 1, maxLength: 25 }),
        fc.boolean(),
        async (ops, retroactive) => {
          const store = await history(new InMemoryEventStore({ pageSize: 4 }), ops, retroactive);
          // The marker comes with lane 0's first event (a new wallet's first write goes there).
          expect(await store.indexes.indexed('w1')).toBe((await store.head('w1', 0)).version > 0);
          await expectListingsEqual(store, store, [1, 2, 3, 200]);
        },
      ),
      { numRuns: 40 },
    );
    // CPU work, no waits: 11.2 s of the default 20 s in a unit run beside two busy loops (stop 21).
  }, 60_000);

  it('reads only its page: a long log of deposits with a few awards and a correction', async () => {
    const ops: Op[] = [
      { kind: 'fact', type: 'answer_is_liked', qty: 0, lane: 0 },
      ...Array.from({ length: 300 }, (): Op => ({ kind: 'deposit', amountMinor: 100n, lane: 0 })),
      { kind: 'correct', pick: 1, action: 'void', qty: 0 },
      { kind: 'fact', type: 'trade', qty: 12, lane: 0 },
      { kind: 'correct', pick: 0, action: 'void', qty: 0 },
    ];
    const store = await history(new InMemoryEventStore({ pageSize: 4 }), ops, false);
    // Count every event the listings read from the log.
    let eventsRead = 0;
    const read = store.read.bind(store);
    store.read = async function* (...args: Parameters<EventStore['read']>) {
      for await (const page of read(...args)) {
        eventsRead += page.length;
        yield page;
      }
    };
    // Walk /points with limit=1: each page reads its own entry's append (and an adjustment's fact).
    const pages: bigint[][] = [];
    let from: EventPosition = { lane: 0, version: 1 };
    for (let request = 0; request < 10; request++) {
      const page = await pointsExplained(store, 'w1', { limit: 1, from, continued: request > 0 });
      pages.push(page?.items.map((entry) => entry.award.data.points) ?? []);
      const adjustment = page?.items.find((entry) => entry.adjustment !== undefined);
      if (adjustment !== undefined) expect(adjustment.fact?.data.factId).toBe('fact-0');
      if (page?.next === undefined) break;
      from = page.next;
    }
    expect(pages).toEqual([[250n], [60n], [-250n]]);
    // fact + award, fact + award, the adjustment + its fact (found by its place): not the deposits.
    expect(eventsRead).toBe(6);
    eventsRead = 0;
    const audit = await auditTrail(store, store, 'w1', { limit: 2, from: { lane: 0, version: 3 } });
    expect(audit?.items.map((event) => event.version)).toEqual([3, 4]);
    expect(audit?.correctedBy.get('0:3')).toHaveLength(1);
    expect(eventsRead).toBe(3);
    // The same listings through the log read it all.
    eventsRead = 0;
    await pointsFromLog(logOnly(store), 'w1', { limit: 1, from: { lane: 0, version: 1 }, continued: false });
    await auditTrail(logOnly(store), store, 'w1', { limit: 2, from: { lane: 0, version: 3 } });
    expect(eventsRead).toBeGreaterThan(300);
  });
});
