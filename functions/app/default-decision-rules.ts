/**
 * The card decision rules in force: the text of `rules/card-decisions.rules`, built in so a
 * freshly deployed function works without a file system (a test keeps the two identical).
 * Version 0, as the points rules' built-in set is: in force until a first `PUT /decision-rules`
 * (card-decision-rules.ts reads the published versions).
 */
import { type CompiledDecisionRules, compileDecisionRules } from '#rules/decision-rules.ts';
import type { DecisionRuleSource } from './cards.ts';

// The text lives apart from its compiler: the /decision-rules routes show it without loading CEL.
import { DEFAULT_DECISION_RULES_TEXT } from './default-decision-rules-text.ts';

export { DEFAULT_DECISION_RULES_SOURCE, DEFAULT_DECISION_RULES_TEXT } from './default-decision-rules-text.ts';

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
