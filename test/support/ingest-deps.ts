import { canonicalJson, sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { ActiveRuleSets } from '#app/active-rules.ts';
import { HeadCache } from '#app/head-cache.ts';
import type { IngestDeps } from '#app/ingest.ts';
import type { Clock } from '#ports/clock.ts';
import type { EventStore } from '#ports/event-store.ts';
import type { RuleSetStore } from '#ports/rule-sets.ts';

/**
 * What the ingest core (and a deposit) needs, over in-memory stores: the given clock, ids
 * `id-1`, `id-2`, … (a fresh sequence per call), a head cache, and the active rules of `ruleSets`.
 */
export function inMemoryIngestDeps(store: EventStore, ruleSets: RuleSetStore, clock: Clock): IngestDeps {
  let count = 0;
  return {
    store,
    clock,
    ids: { newId: () => `id-${++count}` },
    heads: new HeadCache(),
    rules: new ActiveRuleSets(ruleSets, clock, sha256Hex),
    hash: sha256Hex,
    canonicalJson,
  };
}
