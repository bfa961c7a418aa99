import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DECISION_RULES_TEXT } from '#app/default-decision-rules.ts';
import { compileDecisionRules, type DecisionContext } from '#rules/decision-rules.ts';

const context = (more: Partial<DecisionContext> = {}): DecisionContext => ({
  amount_minor: 1_000n,
  currency: 'EUR',
  merchant: { id: 'm-42', name: 'Book Shop', mcc: '5942' },
  account: { credit_limit_minor: 100_000n, available_minor: 100_000n, owed_minor: 0n, pending_minor: 0n },
  approvals: [],
  ...more,
});

const compiled = (text: string) => {
  const result = compileDecisionRules(text);
  if (!result.ok) throw new Error(result.errors.map((error) => error.message).join('; '));
  return result.ruleSet;
};

describe('card decision rules (CEL)', () => {
  it('the built-in text is rules/card-decisions.rules, verbatim', () => {
    expect(DEFAULT_DECISION_RULES_TEXT).toBe(readFileSync('rules/card-decisions.rules', 'utf8'));
  });

  it('the shipped rules decline a large purchase, a blocked category and the 11th approval in 10 minutes', () => {
    const rules = compiled(DEFAULT_DECISION_RULES_TEXT);
    expect(rules.rules.map((rule) => rule.id)).toEqual(['single-purchase-max', 'blocked-mcc', 'velocity']);
    expect(rules.evaluate(context())).toEqual([]);
    expect(rules.evaluate(context({ amount_minor: 500_000n }))).toEqual([]);
    expect(rules.evaluate(context({ amount_minor: 500_001n }))).toEqual(['single-purchase-max']);
    expect(rules.evaluate(context({ merchant: { id: 'c', name: '', mcc: '7995' } }))).toEqual([
      'blocked-mcc',
    ]);
    const recent = (count: number, ageMs: bigint) =>
      Array.from({ length: count }, () => ({ amount_minor: 1n, age_ms: ageMs }));
    expect(rules.evaluate(context({ approvals: recent(9, 1_000n) }))).toEqual([]);
    expect(rules.evaluate(context({ approvals: recent(10, 1_000n) }))).toEqual(['velocity']);
    expect(rules.evaluate(context({ approvals: recent(10, 600_000n) }))).toEqual([]);
  });

  it('a rule that cannot be evaluated declines (fail closed)', () => {
    const rules = compiled('needs-key: merchant.country == "DE"');
    expect(rules.evaluate(context())).toEqual(['needs-key']);
  });

  it('refuses malformed lines, type errors, duplicate and reserved ids, with their lines', () => {
    const result = compileDecisionRules(
      [
        'ok: amount_minor > 1',
        'no colon here',
        'not-bool: amount_minor + 1',
        'ok: amount_minor > 2',
        'insufficient-credit: true',
        'syntax: amount_minor >',
      ].join('\n'),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((error) => error.line)).toEqual([2, 3, 4, 5, 6]);
  });
});
