import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { compileRuleSet } from '#rules/rule-set.ts';
import { type CompiledRuleSet, type Fact, formatRuleError, type RuleError } from '#rules/types.ts';

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The seed rule of the points system Tally's design comes from, verbatim. */
export const SEED = 'event_type=="answer_is_liked", 250';

/** Compiles or fails the test with every error, formatted. */
export function compile(text: string): CompiledRuleSet {
  const result = compileRuleSet(text, { hash: sha256 });
  if (!result.ok) throw new Error(result.errors.map((error) => formatRuleError(error)).join('\n'));
  return result.ruleSet;
}

/** The compile errors of a text that must not compile. */
export function errorsOf(text: string): RuleError[] {
  const result = compileRuleSet(text, { hash: sha256 });
  if (result.ok) throw new Error('expected compile errors');
  return result.errors;
}

/** A fact of `type` with `data`, from `source`. */
export const fact = (type: string, data: unknown = {}, source = 'app://forum'): Fact => ({
  id: 'fact-1',
  source,
  type,
  subject: 'wallet-1',
  time: '2025-03-01T12:00:00Z',
  data,
});

/** A fact's data for property tests: the keys the generated rules read (qty, channel, bonus), or any JSON. */
export const factDataArbitrary: fc.Arbitrary<unknown> = fc.oneof(
  fc.record(
    {
      qty: fc.oneof(fc.integer({ min: -10, max: 80 }), fc.double({ noNaN: true })),
      channel: fc.constantFrom('web', 'app', 'shop'),
      bonus: fc.boolean(),
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue(),
);
