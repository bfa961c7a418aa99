/**
 * The rules engine for functions that evaluate rules on some calls only: corrections (amending a
 * fact; correcting a deposit or voiding evaluates nothing) and the job runner (backtest jobs;
 * replay jobs evaluate nothing). The CEL engine (~83 KB) and the rules compiler load with the first
 * call that evaluates, in a chunk of their own, instead of at every cold start. Functions that
 * evaluate on every call (ingest, `POST /backtests`) import composition/rules-engine.ts statically.
 * Only the modules of those two functions may import this one: any function whose module graph
 * holds the `import()` gets a lazy chunk, and what it shares with the chunk loads at its cold start.
 */
import type { RuleSetVersions } from '#app/active-rules.ts';

const engine = () => import('./rule-sets.ts');

/** Every published rule set version, compiled on first use; the engine loads with the first `get`. */
export const lazyRuleSetVersions = (): Pick<RuleSetVersions, 'get'> => ({
  get: async (version) => (await engine()).ruleSetVersionsFromEnv().get(version),
});

/** The active rule set's version (compiling it, as `ActiveRuleSets.current()` does). */
export const lazyActiveVersion = async (): Promise<number> =>
  (await (await engine()).activeRulesFromEnv().current()).version;
