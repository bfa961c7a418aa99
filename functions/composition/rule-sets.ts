/**
 * The rules engine of a function instance: the active rule set and every published version,
 * compiled with the CEL engine (~83 KB with the rules compiler). Imported statically by the
 * functions that evaluate on every call (composition/rules-engine.ts) and only with `import()` by
 * composition/lazy-rules.ts. Keep it to these builders: esbuild treats every export of a module
 * loaded with `import()` as used, and what the lazy chunk shares with a function's static graph
 * moves into that function's eager chunks.
 */
import { systemClock } from '#adapters/clock.ts';
import { sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { ActiveRuleSets, RuleSetVersions } from '#app/active-rules.ts';
import { perTable } from './adapters.ts';
import { ruleSetReaderFromEnv } from './rule-set-stores.ts';

export const activeRulesFromEnv = /* @__PURE__ */ perTable(
  () => new ActiveRuleSets(ruleSetReaderFromEnv(), systemClock, sha256Hex),
);

/** Every published rule set version, compiled on first use (corrections and backtests). */
export const ruleSetVersionsFromEnv = /* @__PURE__ */ perTable(
  () => new RuleSetVersions(ruleSetReaderFromEnv(), sha256Hex),
);
