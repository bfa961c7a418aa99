import { expect } from 'vitest';
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
import type { ReadModelStore } from '#ports/read-models.ts';
import { InMemoryRuleSetStore } from './in-memory-rule-set-store.ts';

/**
 * Histories of wallet w1 for the read-index tests: facts (over lanes, shard lane 33 too), deposits,
 * corrections, and optionally a retroactive rule set, all through the real use cases.
 */
export const T0 = Date.parse('2026-12-06T09:00:00Z');
export const V1_TEXT = ['event_type=="answer_is_liked", 300', 'event_type == "trade", data.qty * 2'].join(
  '\n',
);
export type FactType = 'answer_is_liked' | 'trade' | 'question_asked';

export type Op =
  | { kind: 'fact'; type: FactType; qty: number; lane: number }
  | { kind: 'deposit'; amountMinor: bigint; lane: number }
  | { kind: 'correct'; pick: number; action: 'void' | 'amend'; qty: number };

export async function history<S extends EventStore>(store: S, ops: Op[], retroactive: boolean): Promise<S> {
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

/** The same store seen without its indexes: every listing reads the log (a wallet begun before them). */
export const logOnly = (store: EventStore): EventStore =>
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

/** Every /points and audit page read through the indexes equals the same page read from the log. */
export async function expectListingsEqual(
  store: EventStore,
  readModels: ReadModelStore,
  limits: number[],
): Promise<void> {
  const scanned = logOnly(store);
  for (const limit of limits) {
    const indexed = await allPoints((from, continued) =>
      pointsExplained(store, 'w1', { limit, from, continued }),
    );
    const logged = await allPoints((from, continued) =>
      pointsFromLog(scanned, 'w1', { limit, from, continued }),
    );
    expect(indexed).toEqual(logged);
    let from: EventPosition = { lane: 0, version: 1 };
    for (let page = 0; page < 200; page++) {
      const viaLinks = await auditTrail(store, readModels, 'w1', { limit, from });
      const viaLog = await auditTrail(scanned, readModels, 'w1', { limit, from });
      expect(viaLinks?.items).toEqual(viaLog?.items);
      for (const event of viaLog?.items ?? []) {
        const key = `${event.lane}:${event.version}`;
        expect(viaLinks?.correctedBy.get(key)).toEqual(viaLog?.correctedBy.get(key));
      }
      if (viaLog?.next === undefined) break;
      from = viaLog.next;
    }
  }
}
