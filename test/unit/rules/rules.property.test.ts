import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRuleSet } from '#rules/rule-set.ts';
import { type Award, type CompiledRuleSet, type Fact, isRuleEvaluationError } from '#rules/types.ts';
import { factDataArbitrary } from '../../support/rules.ts';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

function compile(text: string): CompiledRuleSet {
  const result = compileRuleSet(text, { hash: sha256 });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.ruleSet;
}

/** Pieces that exercise the splitter, the YAML reader and the CEL parser at once. */
const fragment = fc.constantFrom(
  'event_type',
  'type',
  'data.qty',
  'data["a,b"]',
  ' == ',
  ' && ',
  ' || ',
  '"answer_is_liked"',
  '"#"',
  "'",
  '"',
  '"""',
  'r"',
  'b"',
  '\\',
  ',',
  ', ',
  ' 250',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '#',
  '//',
  '\n',
  '\r\n',
  '  ',
  'rules:',
  'flags:',
  '---',
  '- ',
  ': ',
  '|',
  '>',
  'id: ',
  'when: ',
  'points: ',
  'cap: ',
  'window: 2m',
  'greaterThan: ',
  '_typ',
  '1e100',
  '-1',
  '0x7fffffffffffffff',
  '.',
  '?',
  'has(',
  'exists(x, ',
  'time',
  'timestamp("2025-01-01T00:00:00Z")',
);

const ruleText = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
  fc.array(fragment, { maxLength: 40 }).map((parts) => parts.join('')),
  fc
    .array(fragment, { maxLength: 30 })
    .map(
      (parts) =>
        `rules:\n  - ${parts.join('')}\nflags:\n  - id: above_threshold\n    window: 2m\n    greaterThan: 1`,
    ),
);

describe('compileRuleSet', () => {
  it('never throws: it returns a rule set or errors with positions inside the text', () => {
    fc.assert(
      fc.property(ruleText, (text) => {
        const result = compileRuleSet(text, { hash: sha256 });
        if (result.ok) return;
        expect(result.errors.length).toBeGreaterThan(0);
        const lineCount = text.split('\n').length;
        for (const error of result.errors) {
          expect(error.line).toBeGreaterThanOrEqual(1);
          expect(error.line).toBeLessThanOrEqual(lineCount);
          expect(error.column).toBeGreaterThanOrEqual(1);
          expect(error.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 3_000 },
    );
  });
});

/** A small grammar of valid conditions over the fact variables. */
const comparison = fc.oneof(
  fc.integer({ min: -5, max: 60 }).map((n) => `data.qty >= ${n}`),
  fc.integer({ min: -5, max: 60 }).map((n) => `data.qty < ${n}`),
  fc.constantFrom('web', 'app').map((channel) => `data.channel == "${channel}"`),
  fc.constant('has(data.bonus)'),
  fc.constant('subject.startsWith("w")'),
);
const typeTest = fc.oneof(
  fc.constantFrom('a', 'b', 'c').map((type) => `event_type == "${type}"`),
  fc.constantFrom('a', 'b').map((type) => `"${type}" == type`),
  fc.constant('event_type in ["a", "b"]'),
);
const condition = fc
  .tuple(fc.option(typeTest, { nil: undefined }), fc.array(comparison, { maxLength: 3 }), fc.boolean())
  .map(([pinned, rest, pinnedFirst]) => {
    const parts = pinned === undefined ? rest : pinnedFirst ? [pinned, ...rest] : [...rest, pinned];
    return parts.length === 0 ? 'true' : parts.join(' && ');
  });
const pointsExpression = fc.oneof(
  fc.integer({ min: 0, max: 500 }).map(String),
  fc.integer({ min: 1, max: 9 }).map((n) => `data.qty * ${n}`),
  fc.constant('data.qty - 10'),
);
const rule = fc.tuple(condition, pointsExpression).map(([when, points]) => `${when}, ${points}`);
const ruleLines = fc.uniqueArray(rule, { minLength: 1, maxLength: 12 });

const factArbitrary: fc.Arbitrary<Fact> = fc.record({
  id: fc.constant('fact-1'),
  source: fc.constant('app://x'),
  type: fc.constantFrom('a', 'b', 'c', 'd'),
  subject: fc.constantFrom('w1', 'v1'),
  time: fc.constant('2025-01-01T00:00:00Z'),
  data: factDataArbitrary,
});

type Outcome = { awards: [number, bigint][] } | { failedLine: number; reason: string };

function outcome(ruleSet: CompiledRuleSet, input: Fact): Outcome {
  try {
    const lineOf = new Map(ruleSet.rules.map((compiled) => [compiled.id, compiled.line]));
    return {
      awards: ruleSet.evaluate(input).map((award: Award) => [lineOf.get(award.ruleId) ?? 0, award.points]),
    };
  } catch (error) {
    // Only a RuleEvaluationError may leave evaluate; anything else fails the property.
    if (!isRuleEvaluationError(error)) throw error;
    return { failedLine: error.line, reason: error.reason };
  }
}

describe('evaluate', () => {
  it('gives the same outcome with the event-type index as without it', () => {
    fc.assert(
      fc.property(ruleLines, fc.array(factArbitrary, { minLength: 1, maxLength: 8 }), (lines, inputs) => {
        const indexed = compile(lines.join('\n'));
        // `!!(c)` hides every conjunct from the index: the rule is then tried, whole, on every fact.
        const unindexed = compile(
          lines
            .map((line) => {
              const comma = line.lastIndexOf(',');
              return `!!(${line.slice(0, comma)})${line.slice(comma)}`;
            })
            .join('\n'),
        );
        expect(unindexed.rules.every((compiled) => compiled.eventTypes === null)).toBe(true);
        for (const input of inputs) expect(outcome(indexed, input)).toEqual(outcome(unindexed, input));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps each rule id when the lines are shuffled', () => {
    fc.assert(
      fc.property(
        ruleLines.chain((lines) =>
          fc.tuple(fc.constant(lines), fc.shuffledSubarray(lines, { minLength: lines.length })),
        ),
        ([lines, shuffled]) => {
          const ids = (text: string[]) =>
            new Map(compile(text.join('\n')).rules.map((compiled) => [compiled.canonicalText, compiled.id]));
          expect(ids(shuffled)).toEqual(ids(lines));
        },
      ),
      { numRuns: 200 },
    );
  });
});
