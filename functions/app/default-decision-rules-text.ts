/**
 * The built-in card decision rules' text (`rules/card-decisions.rules`, version 0) without their
 * compiler, so a route can show it without bundling the CEL engine; default-decision-rules.ts
 * compiles it.
 */
export const DEFAULT_DECISION_RULES_SOURCE = 'rules/card-decisions.rules';
export const DEFAULT_DECISION_RULES_TEXT =
  '# Card decision rules: one rule per line, `<id>: <CEL condition>`. A purchase is declined, with the\n# rule\'s id as a reason, when the condition is true. `insufficient-credit` is not a rule: the\n# decider always checks the available credit. Check with `npx vitest run test/unit/rules`.\n# Variables: amount_minor (int, cents), currency, merchant.{id,name,mcc}, account.{credit_limit_minor,\n# available_minor, owed_minor, pending_minor}, approvals (list of {amount_minor, age_ms}).\n\n# One purchase may be at most 5,000.00.\nsingle-purchase-max: amount_minor > 500000\n\n# Gambling (7995) is not authorized.\nblocked-mcc: merchant.mcc in ["7995"]\n\n# More than 10 approvals within 10 minutes: the 11th is declined.\nvelocity: size(approvals.filter(a, a.age_ms < 600000)) >= 10\n';
