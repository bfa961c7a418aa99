/**
 * The card decision rules in force: the text of `rules/card-decisions.rules`, built in so a
 * freshly deployed function works without a file system (a test keeps the two identical).
 * Version 0, as the points rules' built-in set is: in force until a first `PUT /decision-rules`
 * (card-decision-rules.ts reads the published versions).
 */
import { type CompiledDecisionRules, compileDecisionRules } from '#rules/decision-rules.ts';
import type { DecisionRuleSource } from './cards.ts';

export const DEFAULT_DECISION_RULES_SOURCE = 'rules/card-decisions.rules';
export const DEFAULT_DECISION_RULES_TEXT =
  '# Card decision rules: one rule per line, `<id>: <CEL condition>`. A purchase is declined, with the\n# rule\'s id as a reason, when the condition is true. `insufficient-credit` is not a rule: the\n# decider always checks the available credit. Check with `npx vitest run test/unit/rules`.\n# Variables: amount_minor (int, cents), currency, merchant.{id,name,mcc}, account.{credit_limit_minor,\n# available_minor, owed_minor, pending_minor}, approvals (list of {amount_minor, age_ms}).\n\n# One purchase may be at most 5,000.00.\nsingle-purchase-max: amount_minor > 500000\n\n# Gambling (7995) is not authorized.\nblocked-mcc: merchant.mcc in ["7995"]\n\n# More than 10 approvals within 10 minutes: the 11th is declined.\nvelocity: size(approvals.filter(a, a.age_ms < 600000)) >= 10\n';

let compiled: CompiledDecisionRules | undefined;

/** The built-in rule set, compiled once per process. */
export const builtInDecisionRules: DecisionRuleSource = {
  current: () => {
    if (compiled === undefined) {
      const result = compileDecisionRules(DEFAULT_DECISION_RULES_TEXT);
      if (!result.ok) throw new Error(`built-in decision rules do not compile: ${result.errors[0]?.message}`);
      compiled = result.ruleSet;
    }
    return Promise.resolve({ version: 0, ruleSet: compiled });
  },
};
