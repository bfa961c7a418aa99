/**
 * Card decision rules: CEL conditions that decline a purchase. A rule set is text, one rule per
 * line, `<id>: <condition>`; a purchase is declined with the rule's id as a reason when its
 * condition is true (rules/card-decisions.rules is the shipped set, rules/README.md the form).
 * Compiled once (parse + type-check); evaluating is pure. The credit check is not a rule: it is
 * the decider's invariant (`insufficient-credit`, domain/card/decide.ts).
 */
import { Environment, EvaluationError } from '@marcbachmann/cel-js';
import { EXPRESSION_CHARS_MAX } from './cel.ts';
import type { RuleError } from './types.ts';

export const DECISION_VARIABLES = ['amount_minor', 'currency', 'merchant', 'account', 'approvals'] as const;

/** A purchase and the account as the rules see them (ints are bigint, as CEL's are). */
export interface DecisionContext {
  /** The amount in minor units (cents): exact, no float. */
  amount_minor: bigint;
  currency: string;
  merchant: { id: string; name: string; mcc: string };
  account: { credit_limit_minor: bigint; available_minor: bigint; owed_minor: bigint; pending_minor: bigint };
  /** The latest approvals, oldest first: how much, and how long before this purchase. */
  approvals: { amount_minor: bigint; age_ms: bigint }[];
}

export interface DecisionRule {
  id: string;
  condition: string;
  line: number;
}

export interface CompiledDecisionRules {
  rules: readonly DecisionRule[];
  /** The ids of the rules that decline the purchase, in file order. A rule that fails declines (fail closed). */
  evaluate(context: DecisionContext): string[];
}

const environment = new Environment({ homogeneousAggregateLiterals: false })
  .registerVariable('amount_minor', 'int', { description: 'The amount in minor units.' })
  .registerVariable('currency', 'string', { description: 'ISO 4217 code of the purchase.' })
  .registerVariable('merchant', 'map', { description: 'id, name, mcc.' })
  .registerVariable('account', 'map', {
    description: 'credit_limit_minor, available_minor, owed_minor, pending_minor.',
  })
  .registerVariable('approvals', 'list', { description: 'Recent approvals: amount_minor, age_ms.' });

const RULE_LINE = /^([a-z0-9][a-z0-9-]{0,62})\s*:\s*(.+)$/;
export const DECISION_RULES_MAX = 200;

/** Compiles a decision rule set; every problem is reported with its line. */
export function compileDecisionRules(
  text: string,
): { ok: true; ruleSet: CompiledDecisionRules } | { ok: false; errors: RuleError[] } {
  const errors: RuleError[] = [];
  const rules: (DecisionRule & { evaluate: (context: DecisionContext) => unknown })[] = [];
  const lines = text.split('\n');
  for (const [index, raw] of lines.entries()) {
    const line = raw.replace(/\s+#.*$|^#.*$/, '').trim();
    if (line === '') continue;
    const at = { line: index + 1, column: 1 };
    const match = RULE_LINE.exec(line);
    if (!match) {
      errors.push({ ...at, message: 'a decision rule is `<id>: <CEL condition>` (id: a-z, 0-9, -)' });
      continue;
    }
    const [, id = '', condition = ''] = match;
    if (rules.some((rule) => rule.id === id) || id === 'insufficient-credit' || id === 'currency-mismatch') {
      errors.push({ ...at, message: `rule id ${id} is used already (or reserved)` });
      continue;
    }
    if (condition.length > EXPRESSION_CHARS_MAX) {
      errors.push({ ...at, message: `the condition is longer than ${EXPRESSION_CHARS_MAX} characters` });
      continue;
    }
    try {
      const parsed = environment.parse(condition);
      const checked = parsed.check();
      if (!checked.valid) {
        errors.push({ ...at, message: `CEL type error: ${checked.error?.message ?? 'invalid'}` });
        continue;
      }
      if (checked.type !== 'bool' && checked.type !== 'dyn') {
        errors.push({ ...at, message: `a condition must be a bool; this one is ${checked.type}` });
        continue;
      }
      rules.push({ id, condition, line: index + 1, evaluate: (context) => parsed(context) });
    } catch (error) {
      errors.push({
        ...at,
        message: `CEL syntax error: ${error instanceof Error ? error.message : 'invalid'}`,
      });
    }
  }
  if (rules.length > DECISION_RULES_MAX) {
    errors.push({ line: 1, column: 1, message: `at most ${DECISION_RULES_MAX} decision rules` });
  }
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    ruleSet: {
      rules: rules.map(({ id, condition, line }) => ({ id, condition, line })),
      evaluate: (context) =>
        rules.flatMap((rule) => {
          try {
            return rule.evaluate(context) === true ? [rule.id] : [];
          } catch (error) {
            // A rule that cannot be evaluated (a missing key, an overflow) declines: a card
            // decision fails closed. Anything but the library's own error is a bug.
            if (error instanceof EvaluationError) return [rule.id];
            throw error;
          }
        }),
    },
  };
}
