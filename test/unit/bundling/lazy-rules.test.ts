/**
 * The CEL engine (`@marcbachmann/cel-js`, ~83 KB) and the rules compiler load only with the first
 * call that needs them: backtest (a `POST` compiles its candidate; a `GET` of a report does not),
 * corrections (amending a fact; correcting a deposit or voiding evaluates nothing), run-jobs (backtest jobs; replay jobs evaluate nothing), and ingest, whose active rule set is
 * built from its stored form and compiles a rule with CEL for the first fact that is a candidate
 * for it (rules/stored-runtime.ts; a one-liner the event-type index decides, with literal points,
 * needs none; account events never load the card decision rules). composition/lazy-rules.ts and
 * app/active-rules.ts hold the `import()`s; these pin that they stay lazy (a static import of
 * composition/rule-sets.ts or rules/compile-form.ts puts the engine back in the eager chunks) and
 * that no other function's module graph holds them (esbuild would move what the lazy chunk shares
 * with that function into its cold start).
 */
import { describe, expect, it } from 'vitest';
import type { BuiltBundle } from '../../../bench/cold/build.ts';
import { functionBundle } from '../../support/function-bundles.ts';

const bundle = functionBundle;

const CEL = 'node_modules/@marcbachmann/cel-js/';
const isCel = (file: string) => file.includes(CEL);
const COMPILER = 'functions/rules/compile-form.ts';
const DECISION_RULES = 'functions/rules/decision-rules.ts';
/** What card decisions read their rules with (they never publish). */
const RULE_SET_STORE = 'functions/adapters/dynamodb/rule-set-reader.ts';
/** Bytes of CEL's code that a cold start loads. */
const eagerCel = (bundle: BuiltBundle) =>
  Object.entries(bundle.eagerInputs)
    .filter(([file]) => isCel(file))
    .reduce((sum, [, bytes]) => sum + bytes, 0);

describe('the rules engine', () => {
  it.each(['corrections', 'run-jobs', 'ingest-queue', 'ingest-kafka', 'backtest'])(
    '%s loads it only with a call that needs it: not at its cold start, but in a lazy chunk',
    async (name) => {
      const built = await bundle(name);
      expect(eagerCel(built), 'CEL bytes at the cold start').toBe(0);
      expect(built.eagerInputs[COMPILER] ?? 0, 'rules compiler at the cold start').toBe(0);
      // Still bundled: a fact's amendment, a backtest job, a fact a CEL rule may match evaluates.
      expect(built.inputs.some((file) => isCel(file))).toBe(true);
      expect(built.inputs).toContain(COMPILER);
    },
    120_000,
  );

  it('accounts loads the card decision rules and their store with its first authorization, not at its cold start', async () => {
    // Only an authorization reads them (app/cards.ts); composition/cards.ts holds the import().
    const built = await bundle('accounts');
    expect(eagerCel(built), 'CEL bytes at the cold start').toBe(0);
    expect(built.eagerInputs[DECISION_RULES] ?? 0, 'decision rules at the cold start').toBe(0);
    // And the store they are read from (composition/card-decision-rules.ts, in their chunk).
    expect(built.eagerInputs[RULE_SET_STORE] ?? 0, 'rule-set store at the cold start').toBe(0);
    expect(built.inputs.some((file) => isCel(file))).toBe(true);
    expect(built.inputs).toContain(DECISION_RULES);
    expect(built.inputs).toContain(RULE_SET_STORE);
  }, 120_000);

  it.each(['deposit', 'replay', 'events', 'wallets'])(
    '%s holds no lazy path to it (composition/lambda.ts and queued.ts hold no import() of it)',
    async (name) => {
      const built = await bundle(name);
      expect(built.inputs).not.toContain('functions/composition/rule-sets.ts');
      expect(built.inputs).not.toContain('functions/composition/lazy-rules.ts');
    },
    120_000,
  );
});
