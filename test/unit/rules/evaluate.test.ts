import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compileRuleSet } from '#rules/rule-set.ts';
import {
  type CompiledRuleSet,
  type Fact,
  formatRuleError,
  isRuleEvaluationError,
  POINTS_PER_AWARD_MAX,
  type RuleEvaluationError,
} from '#rules/types.ts';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

function compile(text: string): CompiledRuleSet {
  const result = compileRuleSet(text, { hash: sha256 });
  if (!result.ok) throw new Error(result.errors.map((error) => formatRuleError(error)).join('\n'));
  return result.ruleSet;
}

const fact = (type: string, data?: unknown, time = '2025-03-01T12:00:00Z'): Fact => ({
  id: 'fact-7',
  source: 'app://exchange',
  type,
  subject: 'wallet-1',
  time,
  data,
});

/** The error `evaluate` throws for this fact; fails the test when it throws nothing or something else. */
function failure(ruleSet: CompiledRuleSet, input: Fact): RuleEvaluationError {
  try {
    ruleSet.evaluate(input);
  } catch (error) {
    if (isRuleEvaluationError(error)) return error;
    throw error;
  }
  throw new Error('expected a RuleEvaluationError');
}

describe('several rules matching one fact', () => {
  const ruleSet = compile(
    [
      'event_type == "trade", 10', // line 1
      'event_type == "other", 1000', // line 2
      'event_type == "trade" && data.qty >= 10, data.qty * 5', // line 3
      'data.qty > 100, 1', // line 4: unindexed, tried on every fact
      'event_type == "trade" && data.qty < 0, 0', // line 5: can only ever award 0
      'event_type == "trade", data.qty - 12', // line 6: 0 for qty 12
    ].join('\n'),
  );

  it('award once per matching rule, each naming its rule, in file order', () => {
    const awards = ruleSet.evaluate(fact('trade', { qty: 200 }));
    const ids = ruleSet.rules.map((rule) => rule.id);
    expect(awards.map((award) => [award.ruleId, award.points])).toEqual([
      [ids[0], 10n],
      [ids[2], 1000n],
      [ids[3], 1n],
      [ids[5], 188n],
    ]);
    expect(awards.map((award) => award.ruleTextHash)).toEqual(
      [0, 2, 3, 5].map((index) => ruleSet.rules[index]?.ruleTextHash),
    );
  });

  it('leave out a rule whose points evaluate to 0', () => {
    expect(ruleSet.evaluate(fact('trade', { qty: 12 })).map((award) => award.points)).toEqual([10n, 60n]);
  });

  it('try unindexed rules on facts of any type, and nothing else', () => {
    expect(ruleSet.evaluate(fact('unknown_type', { qty: 101 })).map((award) => award.points)).toEqual([1n]);
    expect(ruleSet.rules.map((rule) => rule.eventTypes)).toEqual([
      ['trade'],
      ['other'],
      ['trade'],
      null,
      ['trade'],
      ['trade'],
    ]);
  });
});

describe('evaluation errors name the rule and the reason', () => {
  it('a missing data key is no_such_key, and no award of the fact is returned', () => {
    const ruleSet = compile(
      ['event_type == "trade", 1', 'event_type == "trade" && data.qty >= 10, data.qty * 5'].join('\n'),
    );
    const error = failure(ruleSet, fact('trade', { quantity: 12 }));
    expect(error).toMatchObject({
      name: 'RuleEvaluationError',
      code: 'rule_evaluation_failed',
      ruleId: ruleSet.rules[1]?.id,
      ruleTextHash: ruleSet.rules[1]?.ruleTextHash,
      line: 2,
      reason: 'no_such_key',
      factId: 'fact-7',
    });
    expect(error.message).toBe(
      `Rule ${ruleSet.rules[1]?.id} (line 2) failed on fact fact-7: no_such_key: condition: No such key: qty`,
    );
    expect(failure(ruleSet, fact('trade')).reason).toBe('no_such_key');
  });

  it('a double where int arithmetic is needed is a type_error', () => {
    const ruleSet = compile('event_type == "trade", data.qty * 5');
    expect(failure(ruleSet, fact('trade', { qty: 2.5 }))).toMatchObject({
      reason: 'type_error',
      detail: expect.stringMatching(/^points: no such overload: .*double.* \* int/),
    });
    expect(failure(ruleSet, fact('trade', { qty: '3' })).reason).toBe('type_error');
  });

  it('points must be a non-negative whole number within the sanity bound', () => {
    const ruleSet = compile(
      [
        'event_type == "neg", data.n', // 1
        'event_type == "dyn", data.n', // 2 (same text, different type: a different rule)
        'event_type == "big", data.n * 1000', // 3
        'event_type == "str", data.s', // 4
      ].join('\n'),
    );
    expect(failure(ruleSet, fact('neg', { n: -5 }))).toMatchObject({ reason: 'points_negative', line: 1 });
    expect(failure(ruleSet, fact('dyn', { n: 2.5 }))).toMatchObject({
      reason: 'points_not_integer',
      line: 2,
    });
    expect(failure(ruleSet, fact('big', { n: 1_000_000_000_000 }))).toMatchObject({
      reason: 'points_too_large',
      line: 3,
    });
    expect(failure(ruleSet, fact('str', { s: 'many' }))).toMatchObject({
      reason: 'points_not_a_number',
      line: 4,
    });
    expect(ruleSet.evaluate(fact('big', { n: 1_000_000_000 })).map((award) => award.points)).toEqual([
      POINTS_PER_AWARD_MAX,
    ]);
  });

  it('int overflow and division by zero are reported, not wrapped', () => {
    const ruleSet = compile(
      ['event_type == "o", data.n * data.n', 'event_type == "d", 10 / data.n'].join('\n'),
    );
    expect(failure(ruleSet, fact('o', { n: 9_007_199_254_740_991 })).reason).toBe('overflow');
    expect(failure(ruleSet, fact('d', { n: 0 })).reason).toBe('division_by_zero');
  });

  it('a condition that is not a bool at run time is condition_not_bool', () => {
    expect(failure(compile('data.flag, 1'), fact('any', { flag: 'yes' })).reason).toBe('condition_not_bool');
  });

  it('data that is not a JSON object fails only the rules that read data', () => {
    const ruleSet = compile(['event_type == "x", 1', 'event_type == "x" && data.n > 1, 2'].join('\n'));
    expect(failure(ruleSet, fact('x', [1, 2]))).toMatchObject({ reason: 'type_error', line: 2 });
    expect(
      compile('event_type == "x", 1')
        .evaluate(fact('x', [1, 2]))
        .map((award) => award.points),
    ).toEqual([1n]);
  });
});

describe('variables', () => {
  it('time is a CEL timestamp; a fact whose time is not RFC 3339 fails the rules reading it', () => {
    const ruleSet = compile(
      [
        'event_type == "t" && time >= timestamp("2025-03-01T00:00:00Z"), 1',
        'event_type == "t" && time.getHours() == 12, 2',
      ].join('\n'),
    );
    expect(ruleSet.evaluate(fact('t', {})).map((award) => award.points)).toEqual([1n, 2n]);
    expect(
      ruleSet.evaluate(fact('t', {}, '2025-03-01T13:00:00.250+01:00')).map((award) => award.points),
    ).toEqual([1n, 2n]);
    expect(ruleSet.evaluate(fact('t', {}, '2024-12-31T23:00:00Z'))).toEqual([]);
    expect(failure(ruleSet, fact('t', {}, 'yesterday'))).toMatchObject({
      reason: 'invalid_fact',
      detail: 'condition: time "yesterday" is not an RFC 3339 timestamp',
    });
    expect(compile('event_type == "t", 1').evaluate(fact('t', {}, 'yesterday'))).toHaveLength(1);
  });

  it('subject, source, type and data are the envelope fields', () => {
    const ruleSet = compile(
      'subject == "wallet-1" && source.startsWith("app://") && type == event_type && data.tags.exists(t, t == "vip"), 3',
    );
    expect(ruleSet.evaluate(fact('any', { tags: ['new', 'vip'] })).map((award) => award.points)).toEqual([
      3n,
    ]);
    expect(ruleSet.evaluate(fact('any', { tags: ['new'] }))).toEqual([]);
  });

  it('JSON integers are CEL ints (nested too), other numbers doubles; absent data is an empty map', () => {
    const ruleSet = compile(
      [
        'event_type == "n" && type(data.a.b[0]) == int && type(data.c) == double, 1',
        'event_type == "n" && !has(data.missing), 2',
        'event_type == "e" && size(data) == 0, 3',
      ].join('\n'),
    );
    expect(ruleSet.evaluate(fact('n', { a: { b: [4] }, c: 0.5 })).map((award) => award.points)).toEqual([
      1n,
      2n,
    ]);
    expect(ruleSet.evaluate(fact('e')).map((award) => award.points)).toEqual([3n]);
    expect(ruleSet.evaluate(fact('e', null)).map((award) => award.points)).toEqual([3n]);
  });

  it('a __proto__ key in data is data, not a prototype', () => {
    const data = JSON.parse('{"__proto__": {"n": 5}}');
    expect(
      compile('event_type == "p", data["__proto__"].n')
        .evaluate(fact('p', data))
        .map((a) => a.points),
    ).toEqual([5n]);
  });

  it('data built in code reads like its JSON: undefined keys are absent, undefined list items null', () => {
    const ruleSet = compile('event_type == "u" && !has(data.gone) && data.list[0] == null, 1');
    expect(ruleSet.evaluate(fact('u', { gone: undefined, list: [undefined] })).map((a) => a.points)).toEqual([
      1n,
    ]);
  });

  it('data nested deeper than the limit is an invalid fact', () => {
    let deep: unknown = 1;
    for (let level = 0; level < 70; level++) deep = { d: deep };
    expect(failure(compile('event_type == "deep" && has(data.d), 1'), fact('deep', deep)).reason).toBe(
      'invalid_fact',
    );
  });
});

describe('the event-type index', () => {
  it('indexes == on either side and `in` lists, and intersects several pinned conjuncts', () => {
    const ruleSet = compile(
      [
        '"a" == event_type, 1',
        'type in ["a", "b"] && data.n > 0, 2',
        'event_type in ["a", "b"] && type == "b", 3',
        'event_type == "a" || event_type == "b", 4',
      ].join('\n'),
    );
    expect(ruleSet.rules.map((rule) => rule.eventTypes)).toEqual([['a'], ['a', 'b'], ['b'], null]);
    expect(ruleSet.evaluate(fact('a', { n: 1 })).map((award) => award.points)).toEqual([1n, 2n, 4n]);
    expect(ruleSet.evaluate(fact('b', { n: 0 })).map((award) => award.points)).toEqual([3n, 4n]);
    expect(ruleSet.evaluate(fact('c', { n: 1 }))).toEqual([]);
  });
});
