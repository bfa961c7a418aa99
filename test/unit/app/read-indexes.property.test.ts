import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { ActiveRuleSets, RuleSetVersions } from '#app/active-rules.ts';
import { backtestWallet } from '#app/backtest.ts';
import { type CorrectionDeps, correctEvent } from '#app/corrections.ts';
import { recordDeposit } from '#app/deposit.ts';
import { HeadCache } from '#app/head-cache.ts';
import { type IngestDeps, ingestEvent } from '#app/ingest.ts';
import { auditTrail } from '#app/queries/audit-trail.ts';
import { type ExplainedAward, pointsExplained, pointsFromLog } from '#app/queries/points.ts';
import type { EventPosition } from '#app/queries/positions.ts';
import type { EventStore } from '#ports/event-store.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import { InMemoryRuleSetStore } from '../../support/in-memory-rule-set-store.ts';

/**
 * The award and correction indexes (app/read-indexes.ts) against the log they index: for any
 * history of facts (over several lanes), deposits, corrections and a retroactive rule set, every
 * `/points` listing read through the award index lists exactly the entries a scan of the log
 * lists, in the same order, at every page size; and every audit trail page names the same
 * corrections through the correction links as through the log.
 */

const T0 = Date.parse('2026-12-06T09:00:00Z');
const V1_TEXT = ['event_type=="answer_is_liked", 300', 'event_type == "trade", data.qty * 2'].join('\n');
type FactType = 'answer_is_liked' | 'trade' | 'question_asked';

type Op =
  | { kind: 'fact'; type: FactType; qty: number; lane: number }
  | { kind: 'deposit'; amountMinor: bigint; lane: number }
  | { kind: 'correct'; pick: number; action: 'void' | 'amend'; qty: number };

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

/** The same store seen without its indexes: every listing reads the log (a wallet begun before them). */
const logOnly = (store: InMemoryEventStore): EventStore =>
  Object.create(store, { indexes: { value: undefined } }) as EventStore;

async function allPoints(
  read: (
    from: EventPosition,
    continued: boolean,
  ) => Promise<{ items: ExplainedAward[]; next?: EventPosition | undefined } | undefined>,
) {
  const entries: ExplainedAward[] = [];
  let from: EventPosition = { lane: 0, version: 1 };
  for (let page = 0; page < 500; page++) {
    const listed = await read(from, page > 0);
    entries.push(...(listed?.items ?? []));
    if (listed?.next === undefined) return entries;
    from = listed.next;
  }
  throw new Error('points: more than 500 pages');
}

async function history(ops: Op[], retroactive: boolean) {
  const store = new InMemoryEventStore({ pageSize: 4 });
  const ruleSets = new InMemoryRuleSetStore();
  let nowMs = T0;
  const clock = { nowMs: () => nowMs };
  let idCount = 0;
  const ids = { newId: () => `id-${++idCount}` };
  const heads = new HeadCache();
  const deps: IngestDeps = {
    store,
    clock,
    ids,
    heads,
    rules: new ActiveRuleSets(ruleSets, clock, sha256Hex, Number.POSITIVE_INFINITY),
    hash: sha256Hex,
    canonicalJson,
  };
  const versions = new RuleSetVersions(ruleSets, sha256Hex);
  const correctionDeps: CorrectionDeps = {
    store,
    ruleSets: versions,
    activeVersion: async () => 0,
    clock,
    ids,
  };
  const targets: { eventId: string; kind: 'fact' | 'deposit' }[] = [];
  // The next write of w1 through `heads` goes to `lane` (as a writer that moved off lane 0).
  const aim = async (lane: number) => heads.remember('w1', { lane, head: await store.head('w1', lane) });
  for (const [index, o] of ops.entries()) {
    nowMs = T0 + index * 1_000;
    if (o.kind === 'fact') {
      await aim(o.lane);
      const outcome = await ingestEvent(deps, {
        specversion: '1.0',
        id: `fact-${index}`,
        source: 'app',
        type: o.type,
        subject: 'w1',
        data: o.type === 'trade' ? { qty: o.qty } : { n: o.qty },
      });
      if (outcome.kind === 'recorded')
        targets.push({ eventId: outcome.events[0]?.eventId ?? '', kind: 'fact' });
    } else if (o.kind === 'deposit') {
      await aim(o.lane);
      const outcome = await recordDeposit(deps, {
        walletId: 'w1',
        amountMinor: o.amountMinor,
        respond: () => ({ statusCode: 201, body: '{}' }),
      });
      if (outcome.kind === 'recorded')
        targets.push({ eventId: outcome.events[0]?.eventId ?? '', kind: 'deposit' });
    } else {
      const target = targets[o.pick % Math.max(1, targets.length)];
      if (target === undefined) continue;
      await correctEvent(correctionDeps, {
        walletId: 'w1',
        reference: target.eventId,
        action: o.action,
        reason: 'property',
        ...(o.action === 'amend'
          ? {
              amend:
                target.kind === 'fact'
                  ? { dataJson: JSON.stringify({ qty: o.qty }) }
                  : { amountMinor: BigInt(o.qty + 1) },
            }
          : {}),
      });
    }
  }
  if (retroactive) {
    nowMs += 1_000;
    await ruleSets.publish({ text: V1_TEXT, textHash: sha256Hex(V1_TEXT), publishedAtMs: nowMs });
    const v1 = await versions.get(1);
    if (v1 === undefined) throw new Error('version 1 must be stored');
    await backtestWallet(
      store,
      'w1',
      { ruleSet: v1, version: 1 },
      {},
      { apply: true, causeId: 'apply-1', clock, ids },
    );
  }
  return store;
}

describe('the read indexes equal the fold of the log', () => {
  it('lists the same awards and corrections through the indexes as through the log, at every page size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 1, maxLength: 25 }),
        fc.boolean(),
        async (ops, retroactive) => {
          const store = await history(ops, retroactive);
          // The marker comes with lane 0's first event (a new wallet's first write goes there).
          expect(await store.indexes.indexed('w1')).toBe((await store.head('w1', 0)).version > 0);
          const scanned = logOnly(store);
          for (const limit of [1, 2, 3, 200]) {
            const indexed = await allPoints((from, continued) =>
              pointsExplained(store, 'w1', { limit, from, continued }),
            );
            const logged = await allPoints((from, continued) =>
              pointsFromLog(scanned, 'w1', { limit, from, continued }),
            );
            expect(indexed).toEqual(logged);
            let from: EventPosition = { lane: 0, version: 1 };
            for (let page = 0; page < 200; page++) {
              const viaLinks = await auditTrail(store, store, 'w1', { limit, from });
              const viaLog = await auditTrail(scanned, store, 'w1', { limit, from });
              expect(viaLinks?.items).toEqual(viaLog?.items);
              for (const event of viaLog?.items ?? []) {
                const key = `${event.lane}:${event.version}`;
                expect(viaLinks?.correctedBy.get(key)).toEqual(viaLog?.correctedBy.get(key));
              }
              if (viaLog?.next === undefined) break;
              from = viaLog.next;
            }
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('reads only its page: a long log of deposits with a few awards and a correction', async () => {
    const ops: Op[] = [
      { kind: 'fact', type: 'answer_is_liked', qty: 0, lane: 0 },
      ...Array.from({ length: 300 }, (): Op => ({ kind: 'deposit', amountMinor: 100n, lane: 0 })),
      { kind: 'correct', pick: 1, action: 'void', qty: 0 },
      { kind: 'fact', type: 'trade', qty: 12, lane: 0 },
      { kind: 'correct', pick: 0, action: 'void', qty: 0 },
    ];
    const store = await history(ops, false);
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
