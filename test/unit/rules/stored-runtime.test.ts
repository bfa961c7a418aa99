/**
 * A rule set built from its stored form's decisions (rules/stored-runtime.ts) is the rule set
 * compileRuleSet gives for its text: the same rules (ids, text hashes, event-type index), flag,
 * awards and errors, for every fact; and it compiles a rule with CEL only when a fact's type makes
 * that rule a candidate, once.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import * as compiler from '#rules/compile-form.ts';
import { compileRuleSet, storedFormOf } from '#rules/rule-set.ts';
import { formFromJson } from '#rules/stored-form.ts';
import { decisionFromJson, storedRuleSet } from '#rules/stored-runtime.ts';
import {
  type CompiledRuleSet,
  type Fact,
  isRuleEvaluationError,
  POINTS_PER_AWARD_MAX,
} from '#rules/types.ts';
import { factDataArbitrary, sha256 } from '../../support/rules.ts';

function fromText(text: string): CompiledRuleSet {
  const result = compileRuleSet(text, { hash: sha256, source: 'x' });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.ruleSet;
}

/** The rule set from the text's stored form, with a counted loader of the CEL compiler. */
function fromStoredForm(text: string) {
  const form = formFromJson(storedFormOf(text));
  if (form?.decisions === undefined) throw new Error('the stored form has no decisions');
  const load = vi.fn(async () => compiler);
  const ruleSet = storedRuleSet(
    { ...form, decisions: form.decisions },
    text,
    { hash: sha256, source: 'x' },
    load,
  );
  if (ruleSet === undefined) throw new Error('the stored form was not usable');
  return { ruleSet, load };
}

/** Awards, or every field of the error: what a caller (ingest, the DLQ) can see of an evaluation. */
function outcome(ruleSet: CompiledRuleSet, input: Fact): unknown {
  try {
    return { awards: ruleSet.evaluate(input) };
  } catch (error) {
    if (!isRuleEvaluationError(error)) throw error;
    const { ruleId, ruleTextHash, line, reason, detail, factId, message } = error;
    return { error: { ruleId, ruleTextHash, line, reason, detail, factId, message } };
  }
}

const TYPES = ['a', 'b', 'c', 'd'] as const;
/** Conditions the index decides whole: no evaluation. */
const decidedCondition = fc.oneof(
  fc.constantFrom(...TYPES).map((type) => `event_type == "${type}"`),
  fc.constantFrom(...TYPES).map((type) => `"${type}" == type`),
  fc.constant('event_type in ["a", "b"]'),
  fc.constant('type in ["b", "c"] && event_type == "b"'),
  fc.constant('event_type == "a" && event_type == "b"'),
);
/** Conditions left (partly or whole) to CEL. */
const evaluatedCondition = fc.oneof(
  fc.integer({ min: -5, max: 60 }).map((n) => `event_type == "a" && data.qty >= ${n}`),
  fc.constantFrom('web', 'app').map((channel) => `data.channel == "${channel}" && type == "b"`),
  fc.constant('has(data.bonus)'),
  fc.constant('subject.startsWith("w")'),
  fc.constant('event_type == "c" && time > timestamp("2025-01-01T00:00:00Z")'),
  fc.constant('event_type == "d" && data.qty'),
  fc.constant('true'),
);
const points = fc.oneof(
  fc.integer({ min: 0, max: 500 }).map(String),
  fc.constantFrom('0', '0x10', '(7)', `${POINTS_PER_AWARD_MAX + 1n}`, '-1'),
  fc.integer({ min: 1, max: 9 }).map((n) => `data.qty * ${n}`),
  fc.constant('data.qty - 10'),
  fc.constant('int(time.getHours())'),
);
const rule = fc.record({
  condition: fc.oneof(decidedCondition, evaluatedCondition),
  points,
  cap: fc.option(fc.integer({ min: 1, max: 300 }), { nil: undefined }),
  explicitId: fc.boolean(),
  description: fc.option(fc.constantFrom('liked', 'trade bonus'), { nil: undefined }),
});
type Rule = typeof rule extends fc.Arbitrary<infer R> ? R : never;

const oneLinerText = (rules: Rule[]) =>
  rules.map((each, at) => `${each.condition}, ${each.points}${at % 2 === 0 ? '  # comment' : ''}`).join('\n');
const yamlText = (rules: Rule[]) =>
  [
    'rules:',
    ...rules.flatMap((each, at) => [
      ...(each.explicitId
        ? [`  - id: rule-${at}`, `    when: '${each.condition}'`]
        : [`  - when: '${each.condition}'`]),
      `    points: '${each.points}'`,
      ...(each.cap === undefined ? [] : [`    cap: ${each.cap}`]),
      ...(each.description === undefined ? [] : [`    description: ${each.description}`]),
    ]),
    'flags:',
    '  - id: above_threshold',
    '    description: Over 5 in a minute.',
    '    window: 1m',
    '    greaterThan: "5"',
    '    sticky: true',
  ].join('\n');
const ruleSetText = fc
  .tuple(
    fc.uniqueArray(rule, {
      minLength: 1,
      maxLength: 10,
      selector: (each) => `${each.condition}|${each.points}`,
    }),
    fc.boolean(),
  )
  .map(([rules, yaml]) => (yaml ? yamlText(rules) : oneLinerText(rules)));

const factArbitrary: fc.Arbitrary<Fact> = fc.record({
  id: fc.constantFrom('fact-1', 'fact-2'),
  source: fc.constant('app://x'),
  type: fc.constantFrom(...TYPES, 'e'),
  subject: fc.constantFrom('w1', 'v1'),
  time: fc.constantFrom('2025-03-01T12:00:00Z', '2024-12-31T23:00:00+01:00', 'yesterday'),
  data: fc.oneof(factDataArbitrary, fc.constant(undefined)),
});

describe('the rule set from a stored form (version 2)', () => {
  it('has the same rules, index, flag, awards and errors as the text compiled with CEL', async () => {
    await fc.assert(
      fc.asyncProperty(
        ruleSetText,
        fc.array(factArbitrary, { minLength: 1, maxLength: 8 }),
        async (text, facts) => {
          const full = fromText(text);
          const { ruleSet: stored } = fromStoredForm(text);
          expect(stored.rules).toEqual(full.rules);
          expect(stored.rules.map((each) => each.eventTypes)).toEqual(
            full.rules.map((each) => each.eventTypes),
          );
          expect(stored.textHash).toBe(full.textHash);
          expect(stored.source).toBe(full.source);
          expect(stored.flag).toEqual(full.flag);
          for (const input of facts) {
            await stored.prepare([input.type]);
            expect(outcome(stored, input)).toEqual(outcome(full, input));
          }
        },
      ),
      { numRuns: 300 },
    );
    // CPU work, no waits: 11.7 s of the default 20 s in a unit run beside two busy loops (stop 21).
  }, 60_000);

  it('evaluates a rule set of one-liners the index decides without loading the CEL compiler', async () => {
    const text = 'event_type=="answer_is_liked", 250\ntype in ["a", "b"], 5\n"c" == event_type, 0\n';
    const { ruleSet, load } = fromStoredForm(text);
    const full = fromText(text);
    for (const type of ['answer_is_liked', 'a', 'b', 'c', 'other']) {
      const input: Fact = {
        id: 'f',
        source: 's',
        type,
        subject: 'w',
        time: 'not a time',
        data: { deep: [[[]]] },
      };
      await ruleSet.prepare([type]);
      expect(ruleSet.evaluate(input)).toEqual(full.evaluate(input));
    }
    expect(
      ruleSet.evaluate({ id: 'f', source: 's', type: 'answer_is_liked', subject: 'w', time: '' }),
    ).toEqual([{ ruleId: full.rules[0]?.id, ruleTextHash: full.rules[0]?.ruleTextHash, points: 250n }]);
    expect(load).not.toHaveBeenCalled();
  });

  it('compiles a rule that needs CEL for the first fact it is a candidate for, once', async () => {
    const text = 'event_type=="answer_is_liked", 250\nevent_type == "trade" && data.qty > 1, data.qty\n';
    const { ruleSet, load } = fromStoredForm(text);
    const trade: Fact = { id: 'f', source: 's', type: 'trade', subject: 'w', time: '', data: { qty: 4 } };
    await ruleSet.prepare(['answer_is_liked', 'deposit']);
    expect(load).not.toHaveBeenCalled();
    // Not prepared for trades: a programmer error, never a wrong answer.
    expect(() => ruleSet.evaluate(trade)).toThrow(/prepare/);

    await Promise.all([ruleSet.prepare(['trade']), ruleSet.prepare(['trade'])]);
    await ruleSet.prepare(['trade']);
    expect(load).toHaveBeenCalledTimes(2); // the two concurrent prepares; each rule compiled once
    expect(ruleSet.evaluate(trade)).toEqual([
      { ruleId: ruleSet.rules[1]?.id, ruleTextHash: ruleSet.rules[1]?.ruleTextHash, points: 4n },
    ]);
    await ruleSet.prepare(['trade']);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('compiles an unindexed rule for any fact: every fact is a candidate for it', async () => {
    const { ruleSet, load } = fromStoredForm('event_type=="liked", 250\nhas(data.bonus), 3\n');
    await ruleSet.prepare(['liked']);
    expect(load).toHaveBeenCalledTimes(1);
    expect(
      ruleSet.evaluate({ id: 'f', source: 's', type: 'liked', subject: 'w', time: '', data: { bonus: 1 } }),
    ).toEqual([expect.objectContaining({ points: 250n }), expect.objectContaining({ points: 3n })]);
  });

  it('is not built from decisions that do not fit the form (the caller compiles it whole)', () => {
    const form = formFromJson(storedFormOf('event_type=="a", 1\nevent_type=="b", 2\n'));
    if (form?.decisions === undefined) throw new Error('no decisions');
    const built = storedRuleSet(
      { ...form, decisions: form.decisions.slice(1) },
      '',
      { hash: sha256 },
      async () => compiler,
    );
    expect(built).toBeUndefined();
  });
});

describe('the stored form, version 2', () => {
  it('keeps what the compile decided of each rule', () => {
    const form = formFromJson(
      storedFormOf(
        'event_type=="answer_is_liked", 250\nevent_type == "trade" && data.qty > 1, data.qty\ntrue, 1\n',
      ),
    );
    expect(form?.decisions?.map(decisionFromJson)).toEqual([
      {
        canonicalText: 'event_type=="answer_is_liked", 250',
        eventTypes: ['answer_is_liked'],
        decided: true,
        constantPoints: 250n,
      },
      {
        canonicalText: 'event_type=="trade"&&data.qty>1, data.qty',
        eventTypes: ['trade'],
        decided: false,
        constantPoints: null,
      },
      { canonicalText: 'true, 1', eventTypes: null, decided: false, constantPoints: 1n },
    ]);
  });

  it.each([
    ['decisions missing', (json: string) => json.replace(/,"compiled":\{[^}]*\}/, '')],
    [
      'decided without types',
      (json: string) => json.replace('"eventTypes":["a"],"decided":true', '"eventTypes":null,"decided":true'),
    ],
    [
      'points that are not an integer',
      (json: string) => json.replace('"constantPoints":"1"', '"constantPoints":"1.5"'),
    ],
  ])(
    'with %s, builds no rule set from the decisions (the caller compiles the form whole)',
    (_name, damage) => {
      const text = 'event_type=="a", 1\n';
      const build = (json: string) => {
        const form = formFromJson(json);
        if (form?.decisions === undefined) throw new Error('not a version 2 form');
        return storedRuleSet(
          { ...form, decisions: form.decisions },
          text,
          { hash: sha256 },
          async () => compiler,
        );
      };
      const json = storedFormOf(text);
      expect(build(json)).toBeDefined();
      expect(damage(json)).not.toBe(json);
      expect(build(damage(json))).toBeUndefined();
    },
  );
});
