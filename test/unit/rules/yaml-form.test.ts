import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileRuleSet } from '#rules/rule-set.ts';
import { DEFAULT_THRESHOLD_FLAG } from '#rules/types.ts';
import { compile, errorsOf, fact, SEED, sha256 } from '../../support/rules.ts';

const lines = (...text: string[]): string => text.join('\n');

describe('the shipped rule set, rules/tally.rules.yaml', () => {
  const text = readFileSync(new URL('../../../rules/tally.rules.yaml', import.meta.url), 'utf8');
  const ruleSet = compileRuleSet(text, { hash: sha256, source: 'rules/tally.rules.yaml' });

  it('compiles, holds the seed line verbatim and gives it the same id as the one-liner file', () => {
    expect(text).toContain(`  - ${SEED}\n`);
    if (!ruleSet.ok) throw new Error(JSON.stringify(ruleSet.errors));
    expect(ruleSet.ruleSet.source).toBe('rules/tally.rules.yaml');
    const seed = compile(SEED).rules[0];
    expect(ruleSet.ruleSet.rules[0]).toMatchObject({ id: seed?.id, ruleTextHash: seed?.ruleTextHash });
    expect(ruleSet.ruleSet.rules[1]).toMatchObject({
      id: 'trade-volume',
      explicitId: true,
      condition: 'event_type == "trade" && has(data.qty) && data.qty >= 10',
      points: 'data.qty * 5',
    });
  });

  it('awards the seed and trade rules and declares the above_threshold flag explicitly', () => {
    if (!ruleSet.ok) throw new Error(JSON.stringify(ruleSet.errors));
    expect(ruleSet.ruleSet.evaluate(fact('answer_is_liked')).map((award) => award.points)).toEqual([250n]);
    expect(ruleSet.ruleSet.evaluate(fact('trade', { qty: 20 }))).toEqual([
      {
        ruleId: 'trade-volume',
        ruleTextHash: sha256('event_type=="trade"&&has(data.qty)&&data.qty>=10, data.qty*5'),
        points: 100n,
        description: '5 points per unit traded, for trades of at least 10 units',
      },
    ]);
    expect(text).toMatch(/flags:\n(?:.*\n)*\s+- id: above_threshold/);
    expect(ruleSet.ruleSet.flag).toMatchObject({
      id: 'above_threshold',
      windowMs: 120_000,
      thresholdMinor: 1_000_000n,
      sticky: true,
    });
  });
});

describe('the YAML form', () => {
  it('mixes one-liner items and map items, in file order, with their lines', () => {
    const ruleSet = compile(
      lines(
        '# forum and exchange', // 1
        'rules:', // 2
        `  - ${SEED}`, // 3
        '  - id: big-trade', // 4
        '    description: big trades', // 5
        '    when: |', // 6
        '      event_type == "trade"', // 7
        '        && data.qty >= 100', // 8
        '    points: "data.qty * 2"', // 9
        '  - \'event_type == "tag" && data.tag == "#1", 5\'', // 10
      ),
    );
    expect(ruleSet.rules.map((rule) => [rule.id, rule.line, rule.condition, rule.points])).toEqual([
      [ruleSet.rules[0]?.id, 3, 'event_type=="answer_is_liked"', '250'],
      ['big-trade', 4, 'event_type == "trade"\n  && data.qty >= 100\n', 'data.qty * 2'],
      [ruleSet.rules[2]?.id, 10, 'event_type == "tag" && data.tag == "#1"', '5'],
    ]);
    expect(ruleSet.evaluate(fact('trade', { qty: 150 }))).toEqual([
      expect.objectContaining({ ruleId: 'big-trade', points: 300n, description: 'big trades' }),
    ]);
    expect(ruleSet.evaluate(fact('tag', { tag: '#1' })).map((award) => award.points)).toEqual([5n]);
    expect(ruleSet.flag).toEqual(DEFAULT_THRESHOLD_FLAG);
  });

  it('reads the flag: window with a unit, greaterThan at scale 2, sticky', () => {
    const flagged = (window: string, greaterThan: string) =>
      compile(
        lines(
          'flags:',
          '  - id: above_threshold',
          `    window: ${window}`,
          `    greaterThan: ${greaterThan}`,
          '    sticky: true',
        ),
      ).flag;
    expect(flagged('2m', '"10000"')).toMatchObject({
      windowMs: 120_000,
      thresholdMinor: 1_000_000n,
      sticky: true,
    });
    expect(flagged('120s', '10000')).toMatchObject({ windowMs: 120_000, thresholdMinor: 1_000_000n });
    expect(flagged('500ms', '"0.5"')).toMatchObject({ windowMs: 500, thresholdMinor: 50n });
    expect(flagged('1h', '250.25')).toMatchObject({ windowMs: 3_600_000, thresholdMinor: 25_025n });
  });

  it('gives a rule set without flags the default above_threshold, also for an empty rules list', () => {
    expect(compile(lines('rules:', `  - ${SEED}`)).flag).toEqual(DEFAULT_THRESHOLD_FLAG);
    expect(compile('rules: []').flag).toEqual(DEFAULT_THRESHOLD_FLAG);
    expect(compile(lines('rules:', 'flags: []')).rules).toEqual([]);
  });

  it('caps an award at `cap` and includes the cap in the rule text hash', () => {
    const text = (cap: string) =>
      lines(
        'rules:',
        '  - id: trade',
        '    when: event_type == "trade"',
        '    points: data.qty * 5',
        ...(cap ? [`    cap: ${cap}`] : []),
      );
    const capped = compile(text('100'));
    expect(capped.evaluate(fact('trade', { qty: 12 })).map((award) => award.points)).toEqual([60n]);
    expect(capped.evaluate(fact('trade', { qty: 1000 })).map((award) => award.points)).toEqual([100n]);
    expect(capped.rules[0]?.cap).toBe(100n);
    expect(capped.rules[0]?.ruleTextHash).toBe(sha256('event_type=="trade", data.qty*5, cap 100'));
    expect(compile(text('')).rules[0]?.ruleTextHash).not.toBe(capped.rules[0]?.ruleTextHash);
  });

  it('reports every error with its line and column: fields, ids, CEL inside YAML, flags', () => {
    const errors = errorsOf(
      lines(
        'rules:', // 1
        '  - id: trade', // 2
        '    when: event_type == "trade" && data.qty >= 10 && bogus', // 3: unknown variable at col 54
        '    points: data.qty * 5', // 4
        '    asset: karma', // 5: not supported
        '  - id: trade', // 6: duplicate id
        '    when: event_type == "x"', // 7
        '    points: 1', // 8
        '  - when: |', // 9
        '      event_type == "y" &&', // 10
        '        data.n >>= 2', // 11: syntax error in a literal block, col 17
        '    points: 1', // 12
        '  - points: 3', // 13: when missing
        "  - 'event_type == ''q'' && nope, 3'", // 14: unknown variable inside a quoted one-liner, col 29
        '  - id: r-0123456789', // 15: derived id shape
        '    when: "true"', // 16
        '    points: 1', // 17
        '    cap: 0', // 18: bad cap
        'flags:', // 19
        '  - id: above_threshold', // 20
        '    window: 120', // 21: no unit
        '    greaterThan: "100.001"', // 22: 3 fraction digits
        '    sticky: false', // 23
        '  - id: below_threshold', // 24: unknown flag
        'extras: 1', // 25: unknown key
      ),
    );
    expect(errors.map(({ line, column }) => [line, column])).toEqual([
      [3, 54],
      [5, 5],
      [6, 9],
      [11, 17],
      [13, 5],
      [14, 29],
      [15, 9],
      [18, 10],
      [21, 13],
      [22, 18],
      [23, 13],
      [24, 9],
      [25, 1],
    ]);
    const messages = errors.map((error) => error.message);
    expect(messages[0]).toMatch(/Unknown variable: bogus/);
    expect(messages[1]).toMatch(/`asset` is not supported/);
    expect(messages[2]).toMatch(/duplicate rule id `trade` \(first on line 2\)/);
    expect(messages[3]).toMatch(/condition: CEL syntax error/);
    expect(messages[4]).toMatch(/`when` \(the condition\) is missing/);
    expect(messages[5]).toMatch(/Unknown variable: nope/);
    expect(messages[6]).toMatch(/id `r-0123456789`/);
    expect(messages[7]).toMatch(/`cap` must be a whole number from 1/);
    expect(messages[8]).toMatch(/`window` is a duration with a unit/);
    expect(messages[9]).toMatch(/`greaterThan` \(scale 2\): .*fraction digits/);
    expect(messages[10]).toMatch(/only sticky flags/);
    expect(messages[11]).toMatch(/unknown flag `below_threshold`/);
    expect(messages[12]).toMatch(/unknown top-level key `extras`/);
  });

  it('reports bad YAML with its position and nothing else', () => {
    // The parser notices the unclosed list where the next key starts.
    expect(errorsOf(lines('rules:', `  - ${SEED}`, '  - [unclosed', 'flags: x'))).toEqual([
      { line: 4, column: 1, message: expect.stringMatching(/^YAML: Flow sequence .* end with a \]/) },
    ]);
    expect(errorsOf(lines('rules:', '  - a, 1', 'rules:', '  - b, 2'))).toEqual([
      { line: 3, column: 1, message: 'YAML: Map keys must be unique' },
    ]);
  });

  it('explains a one-liner item that YAML read as a map because of ": "', () => {
    expect(errorsOf(lines('rules:', '  - data.n > 1 ? 1 : 2, 3'))).toEqual([
      { line: 2, column: 5, message: expect.stringMatching(/reads as a YAML map.*quote a one-liner/) },
    ]);
    expect(compile(lines('rules:', "  - 'data.n > 1 ? true : false, 3'")).rules).toHaveLength(1);
  });

  it('refuses a flags section with two above_threshold flags, or a flag without its fields', () => {
    const flag = ['  - id: above_threshold', '    window: 2m', '    greaterThan: 1'];
    expect(errorsOf(lines('flags:', ...flag, ...flag))).toEqual([
      { line: 5, column: 9, message: 'duplicate flag `above_threshold`' },
    ]);
    expect(errorsOf(lines('flags:', '  - id: above_threshold')).map((error) => error.message)).toEqual([
      'flag: `window` is missing (e.g. 2m)',
      'flag: `greaterThan` is missing (e.g. "10000")',
    ]);
  });
});
