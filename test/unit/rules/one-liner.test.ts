import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectRuleFormat } from '#rules/rule-set.ts';
import {
  type CompiledRuleSet,
  DEFAULT_THRESHOLD_FLAG,
  type Fact,
  formatRuleError,
  type RuleError,
} from '#rules/types.ts';
import { compile, errorsOf, fact, SEED, sha256 } from '../../support/rules.ts';

const points = (ruleSet: CompiledRuleSet, input: Fact): bigint[] =>
  ruleSet.evaluate(input).map((award) => award.points);

describe('the seed line', () => {
  it('loads verbatim and awards 250 for a liked answer only', () => {
    const ruleSet = compile(SEED);
    expect(ruleSet.rules).toHaveLength(1);
    expect(ruleSet.rules[0]).toMatchObject({
      condition: 'event_type=="answer_is_liked"',
      points: '250',
      line: 1,
    });
    expect(ruleSet.evaluate(fact('answer_is_liked'))).toEqual([
      { ruleId: `r-${sha256(SEED).slice(0, 10)}`, ruleTextHash: sha256(SEED), points: 250n },
    ]);
    expect(ruleSet.evaluate(fact('question_asked'))).toEqual([]);
  });

  it('is the whole of rules/seed.rules, a complete rule set with the default flag', () => {
    const text = readFileSync(new URL('../../../rules/seed.rules', import.meta.url), 'utf8');
    expect(text.trim()).toBe(SEED);
    const ruleSet = compile(text);
    expect(ruleSet.flag).toEqual(DEFAULT_THRESHOLD_FLAG);
    expect(ruleSet.flag).toMatchObject({ windowMs: 120_000, thresholdMinor: 1_000_000n, sticky: true });
    expect(ruleSet.textHash).toBe(sha256(text));
  });
});

describe('the one-liner form', () => {
  it('evaluates the trade example: data.qty * 5 when qty >= 10', () => {
    const ruleSet = compile('event_type == "trade" && data.qty >= 10, data.qty * 5');
    expect(points(ruleSet, fact('trade', { qty: 12 }))).toEqual([60n]);
    expect(points(ruleSet, fact('trade', { qty: 10 }))).toEqual([50n]);
    expect(points(ruleSet, fact('trade', { qty: 9 }))).toEqual([]);
    expect(points(ruleSet, fact('answer_is_liked', { qty: 12 }))).toEqual([]);
  });

  it('skips comments and blank lines and keeps the line numbers of the file', () => {
    const ruleSet = compile(
      [
        '# points for the forum',
        '',
        `${SEED}   # the seed`,
        '   ',
        '  # indented comment',
        'event_type == "trade", 1',
      ].join('\n'),
    );
    expect(ruleSet.rules.map((rule) => [rule.line, rule.condition, rule.points])).toEqual([
      [3, 'event_type=="answer_is_liked"', '250'],
      [6, 'event_type == "trade"', '1'],
    ]);
  });

  it('accepts CRLF line endings and CEL // comments', () => {
    const ruleSet = compile(`${SEED}\r\nevent_type == "trade", 7 // seven\r\n`);
    expect(ruleSet.rules.map((rule) => rule.points)).toEqual(['250', '7']);
  });

  it('treats # inside a string literal as text, not a comment', () => {
    const ruleSet = compile(
      [
        'event_type == "tag" && data.tag == "#1", 5 # only this is a comment',
        "event_type == 'tag' && data.tag.startsWith('#'), 2",
        'event_type == "tag" && data.tag.matches(r"^#\\d$"), 3',
      ].join('\n'),
    );
    expect(ruleSet.rules.map((rule) => rule.condition)).toEqual([
      'event_type == "tag" && data.tag == "#1"',
      "event_type == 'tag' && data.tag.startsWith('#')",
      'event_type == "tag" && data.tag.matches(r"^#\\d$")',
    ]);
    expect(points(ruleSet, fact('tag', { tag: '#1' }))).toEqual([5n, 2n, 3n]);
    expect(points(ruleSet, fact('tag', { tag: '#x' }))).toEqual([2n]);
  });

  it('splits at the last top-level comma, not at commas in strings, calls, lists or maps', () => {
    const ruleSet = compile(
      [
        'event_type == "a, b" && data.note.contains(","), 1',
        'event_type in ["x", "y"] && data.n in [1, 2, 3], size([1, 2])',
        'event_type == "m" && {"k": 1, "j": 2}[data.key] == 2, [3, 4][1]',
        'event_type == """triple, quoted""", 9',
      ].join('\n'),
    );
    expect(ruleSet.rules.map((rule) => [rule.condition, rule.points])).toEqual([
      ['event_type == "a, b" && data.note.contains(",")', '1'],
      ['event_type in ["x", "y"] && data.n in [1, 2, 3]', 'size([1, 2])'],
      ['event_type == "m" && {"k": 1, "j": 2}[data.key] == 2', '[3, 4][1]'],
      ['event_type == """triple, quoted"""', '9'],
    ]);
    expect(points(ruleSet, fact('a, b', { note: 'x,y' }))).toEqual([1n]);
    expect(points(ruleSet, fact('y', { n: 2 }))).toEqual([2n]);
    expect(points(ruleSet, fact('m', { key: 'j' }))).toEqual([4n]);
    expect(points(ruleSet, fact('triple, quoted'))).toEqual([9n]);
  });

  it('lets rules name the event type `type` as well as `event_type`, while data.type stays a field', () => {
    const ruleSet = compile(
      ['type == "trade" && data.type == "buy", 3', 'type in ["trade"] && type(data.qty) == int, 1'].join(
        '\n',
      ),
    );
    expect(points(ruleSet, fact('trade', { type: 'buy', qty: 4 }))).toEqual([3n, 1n]);
    expect(points(ruleSet, fact('trade', { type: 'sell', qty: 4.5 }))).toEqual([]);
  });

  it('reads an empty text (or only comments) as a rule set with no rules and the default flag', () => {
    for (const text of ['', '# nothing yet\n\n']) {
      const ruleSet = compile(text);
      expect(ruleSet.rules).toEqual([]);
      expect(ruleSet.flag).toEqual(DEFAULT_THRESHOLD_FLAG);
      expect(ruleSet.evaluate(fact('answer_is_liked'))).toEqual([]);
    }
  });
});

describe('compile errors', () => {
  it('names the line and column of every error in the file, not just the first', () => {
    const text = [
      '# header', // 1
      'event_type == == "x", 5', // 2: syntax error at the second ==
      'evnt_type == "x", 5', // 3: unknown variable
      '  event_type == "x"', // 4: no comma
      'event_type == "x",   ', // 5: points missing
      ', 5', // 6: condition missing
      'event_type == "x", "five"', // 7: points not an int
      'data.qty, 5', // 8 is fine as far as compile can tell (data values are dyn)
      'event_type + 1 == 2, 5', // 9: type error
      'event_type == "x, 5', // 10: unterminated string
    ].join('\n');
    const errors = errorsOf(text);
    expect(errors.map(({ line, column }) => [line, column])).toEqual([
      [2, 15],
      [3, 1],
      [4, 20],
      [5, 19],
      [6, 1],
      [7, 20],
      [9, 1],
      [10, 15],
    ]);
    expect(errors[0]?.message).toMatch(/condition: CEL syntax error/);
    expect(errors[1]?.message).toMatch(
      /Unknown variable: evnt_type .*event_type, type, subject, source, time, data/,
    );
    expect(errors[2]?.message).toMatch(/expected `<condition>, <points>`/);
    expect(errors[3]?.message).toBe('the points after the comma are missing');
    expect(errors[4]?.message).toBe('the condition before the comma is empty');
    expect(errors[5]?.message).toMatch(/points must be an int.*string/);
    expect(errors[6]?.message).toMatch(/condition: CEL type error/);
    expect(errors[7]?.message).toBe('unterminated string literal');
    expect(formatRuleError(errors[0] as RuleError, 'rules/x.rules')).toMatch(/^rules\/x\.rules:2:15: /);
  });

  it('places a CEL error inside the points at its column in the line', () => {
    const errors = errorsOf('event_type == "x",  data.qty * * 5');
    expect(errors).toEqual([
      { line: 1, column: 32, message: expect.stringMatching(/^points: CEL syntax error/) },
    ]);
  });

  it('refuses a condition that is not a bool and points that are a double', () => {
    expect(errorsOf('event_type, 5')[0]?.message).toMatch(
      /a condition must be a bool; this expression is string/,
    );
    expect(errorsOf('event_type == "x", 2.5')[0]?.message).toMatch(/points must be an int.*double/);
  });

  it('refuses the same rule twice (same canonical text, so the same id)', () => {
    const errors = errorsOf(`${SEED}\nevent_type == "answer_is_liked" ,  250`);
    expect(errors).toEqual([
      { line: 2, column: 1, message: expect.stringMatching(/repeats the rule on line 1 .*r-[0-9a-f]{10}/) },
    ]);
  });

  it('refuses the internal alias of `type` written by hand', () => {
    expect(errorsOf('_typ == "x", 1')[0]).toMatchObject({
      line: 1,
      column: 1,
      message: expect.stringMatching(/reserved/),
    });
  });
});

describe('rule ids', () => {
  const rulesText = ['event_type == "a", 1', 'event_type == "b" && data.n > 2, data.n', SEED];

  it('do not change when lines are reordered, moved or reformatted', () => {
    const before = compile(rulesText.join('\n'));
    const after = compile(
      [
        '# moved around',
        SEED,
        '',
        'event_type=="b"&&data.n>2,data.n',
        '   event_type  ==  "a" , 1  # same rule',
      ].join('\n'),
    );
    const idsByCondition = (ruleSet: CompiledRuleSet) =>
      Object.fromEntries(ruleSet.rules.map((rule) => [rule.canonicalText, [rule.id, rule.ruleTextHash]]));
    expect(idsByCondition(after)).toEqual(idsByCondition(before));
    expect(after.rules.map((rule) => rule.line)).toEqual([2, 4, 5]);
  });

  it('are r- and the first 10 hex digits of the rule text hash, and change when the rule changes', () => {
    const [first] = compile(rulesText.join('\n')).rules;
    expect(first?.id).toBe(`r-${first?.ruleTextHash.slice(0, 10)}`);
    expect(first?.ruleTextHash).toBe(sha256('event_type=="a", 1'));
    const [edited] = compile('event_type == "a", 2').rules;
    expect(edited?.id).not.toBe(first?.id);
  });

  it('keep whitespace inside string literals significant', () => {
    const [spaced] = compile('event_type == "a b", 1').rules;
    const [joined] = compile('event_type == "ab", 1').rules;
    expect(spaced?.id).not.toBe(joined?.id);
  });
});

describe('form detection', () => {
  it('is YAML only when the first significant line starts with rules:, flags: or ---', () => {
    expect(detectRuleFormat(SEED)).toBe('one-liner');
    expect(detectRuleFormat('# c\n\nrules:\n  - a, 1')).toBe('yaml');
    expect(detectRuleFormat('flags: []')).toBe('yaml');
    expect(detectRuleFormat('---\nrules: []')).toBe('yaml');
    expect(detectRuleFormat('data.rules == 1, 2\nrules:')).toBe('one-liner');
    expect(detectRuleFormat('')).toBe('one-liner');
  });
});
