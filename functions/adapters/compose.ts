import { ActiveRuleSets, RuleSetVersions } from '#app/active-rules.ts';
import type { IngestDeps } from '#app/ingest.ts';
import { randomIds, systemClock } from './clock.ts';
import { canonicalJson, sha256Hex } from './dynamodb/event-hash.ts';
import { storesFromEnv } from './dynamodb/stores.ts';

/**
 * The composition root of a function instance: stores, the active rule sets and the ingest
 * dependencies, built once from the environment on first use.
 */
let activeRules: ActiveRuleSets | undefined;

export function activeRulesFromEnv(): ActiveRuleSets {
  activeRules ??= new ActiveRuleSets(storesFromEnv().ruleSets, systemClock, sha256Hex);
  return activeRules;
}

export function ingestDepsFromEnv(): IngestDeps {
  return {
    store: storesFromEnv().events,
    clock: systemClock,
    ids: randomIds,
    rules: activeRulesFromEnv(),
    hash: sha256Hex,
    canonicalJson,
  };
}

let ruleSetVersions: RuleSetVersions | undefined;

/** Every published rule set version, compiled on first use (corrections and backtests). */
export function ruleSetVersionsFromEnv(): RuleSetVersions {
  ruleSetVersions ??= new RuleSetVersions(storesFromEnv().ruleSets, sha256Hex);
  return ruleSetVersions;
}
