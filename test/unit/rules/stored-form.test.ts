import { describe, expect, it } from 'vitest';
import { sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { ActiveRuleSets, RuleSetVersions } from '#app/active-rules.ts';
import { DEFAULT_RULES_FORM, DEFAULT_RULES_TEXT } from '#app/default-rules.ts';
import { compileForm } from '#rules/compile-form.ts';
import { compileRuleSet, storedFormOf } from '#rules/rule-set.ts';
import { formFromJson } from '#rules/stored-form.ts';
import { formToJson } from '#rules/stored-form-writer.ts';
import type { CompileResult, Fact } from '#rules/types.ts';
import { InMemoryRuleSetStore } from '../../support/in-memory-rule-set-store.ts';

const YAML_TEXT = `rules:
  - id: big-trade
    description: 2 points per unit, at most 40
    when: event_type == "trade" && data.qty >= 3
    points: data.qty * 2
    cap: 40
  - event_type == "answer_is_liked", 250
flags:
  - id: above_threshold
    description: Over 500 in 5 minutes.
    window: 5m
    greaterThan: "500.25"
    sticky: true
`;
const ONE_LINER_TEXT =
  'event_type=="answer_is_liked", 250\nevent_type == "trade" && data.qty > 1, data.qty\n';

const facts: Fact[] = [
  { id: 'f1', source: 's', type: 'trade', subject: 'w', time: '2026-01-01T00:00:00Z', data: { qty: 30 } },
  { id: 'f2', source: 's', type: 'trade', subject: 'w', time: '2026-01-01T00:00:00Z', data: { qty: 2 } },
  { id: 'f3', source: 's', type: 'answer_is_liked', subject: 'w', time: '2026-01-01T00:00:00Z' },
];

const ok = (result: CompileResult) => {
  if (!result.ok) throw new Error(`does not compile: ${JSON.stringify(result.errors)}`);
  return result.ruleSet;
};

describe('the stored form of a rule set', () => {
  it.each([
    ['YAML', YAML_TEXT],
    ['one-liner', ONE_LINER_TEXT],
    ['the built-in', DEFAULT_RULES_TEXT],
  ])('compiles (%s) to the same rule set as its text: rules, ids, hashes, flag, awards', (_name, text) => {
    const form = formFromJson(storedFormOf(text));
    if (form === undefined) throw new Error('the stored form did not read back');
    const fromText = ok(compileRuleSet(text, { hash: sha256Hex, source: 'x' }));
    const fromForm = ok(compileForm(form, text, { hash: sha256Hex, source: 'x' }));
    expect(fromForm.rules).toEqual(fromText.rules);
    expect(fromForm.flag).toEqual(fromText.flag);
    expect(fromForm.textHash).toBe(fromText.textHash);
    for (const fact of facts) expect(fromForm.evaluate(fact)).toEqual(fromText.evaluate(fact));
  });

  it('keeps bigints exact (cap, the flag threshold)', () => {
    const form = formFromJson(storedFormOf(YAML_TEXT));
    expect(form?.rules[0]?.cap).toBe(40n);
    expect(form?.flag?.thresholdMinor).toBe(50_025n);
  });

  it('is built in for the default rule set, equal to the form read from its text', () => {
    expect(DEFAULT_RULES_FORM).toBe(storedFormOf(DEFAULT_RULES_TEXT));
  });

  it('is never written for a text with errors', () => {
    // A structural error (an unknown key); CEL errors are the compiler's, caught before publishing.
    expect(() => storedFormOf('rules:\n  - when: "true"\n    points: 1\n    colour: red\n')).toThrow(
      /errors/,
    );
    expect(() =>
      formToJson({ rules: [], flag: null, errors: [{ line: 1, column: 1, message: 'x' }] }, []),
    ).toThrow();
    // Nor for a text whose CEL does not compile: the decisions come from compiling it.
    expect(() => storedFormOf('event_type == , 1\n')).toThrow(/does not compile/);
  });

  it.each([
    ['not JSON', '{'],
    ['another version', JSON.stringify({ v: 3, rules: [], flag: null })],
    ['a damaged rule', JSON.stringify({ v: 1, rules: [{ line: 1, condition: 'x' }], flag: null })],
    ['a damaged cap', storedFormOf(YAML_TEXT).replace('"cap":"40"', '"cap":"4x"')],
  ])('reads as nothing when it is %s (the text is compiled instead)', (_name, json) => {
    expect(formFromJson(json)).toBeUndefined();
  });
});

describe('functions reading published rule sets', () => {
  // A form that is not its text's: which rules come out shows which of the two was compiled.
  const publishMismatched = async (store: InMemoryRuleSetStore, form: string | undefined) =>
    store.publish({
      text: ONE_LINER_TEXT,
      textHash: sha256Hex(ONE_LINER_TEXT),
      publishedAtMs: 1,
      ...(form === undefined ? {} : { form }),
    });

  it('compile the stored form when there is one', async () => {
    const store = new InMemoryRuleSetStore();
    await publishMismatched(store, storedFormOf(YAML_TEXT));
    const active = await new ActiveRuleSets(store, { nowMs: () => 0 }, sha256Hex).current();
    expect(active.ruleSet.rules.map((rule) => rule.id)[0]).toBe('big-trade');
    expect(active.threshold.windowMs).toBe(300_000);
    // The text stays the record: the hash is the text's.
    expect(active.ruleSet.textHash).toBe(sha256Hex(ONE_LINER_TEXT));
    expect((await new RuleSetVersions(store, sha256Hex).get(1))?.rules[0]?.id).toBe('big-trade');
  });

  it('compile the text when a version was stored without a form, or with one they cannot read', async () => {
    for (const form of [undefined, '{"v":99}']) {
      const store = new InMemoryRuleSetStore();
      await publishMismatched(store, form);
      const active = await new ActiveRuleSets(store, { nowMs: () => 0 }, sha256Hex).current();
      expect(active.ruleSet.rules.map((rule) => rule.condition)).toEqual([
        'event_type=="answer_is_liked"',
        'event_type == "trade" && data.qty > 1',
      ]);
    }
  });

  it('compile the form whole, with CEL, when its decisions cannot be used', async () => {
    const store = new InMemoryRuleSetStore();
    const damaged = storedFormOf(YAML_TEXT).replace('"decided":false', '"decided":"no"');
    expect(damaged).not.toBe(storedFormOf(YAML_TEXT));
    await publishMismatched(store, damaged);
    const active = await new ActiveRuleSets(store, { nowMs: () => 0 }, sha256Hex).current();
    const full = ok(compileRuleSet(YAML_TEXT, { hash: sha256Hex }));
    expect(active.ruleSet.rules).toEqual(full.rules);
    const trade = facts[0] as Fact;
    // Compiled whole: ready without a prepare.
    expect(active.ruleSet.evaluate(trade)).toEqual(full.evaluate(trade));
  });
});
