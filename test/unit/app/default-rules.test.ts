import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { DEFAULT_RULES_SOURCE, DEFAULT_RULES_TEXT } from '#app/default-rules.ts';
import { compileRuleSet } from '#rules/rule-set.ts';
import { DEFAULT_THRESHOLD_FLAG } from '#rules/types.ts';

/** The built-in rule set is the shipped file, byte for byte, so a fresh deployment behaves as `rules/` says. */
describe('DEFAULT_RULES_TEXT', () => {
  it('equals the bytes of the file it names', async () => {
    expect(DEFAULT_RULES_SOURCE).toBe('rules/tally.rules.yaml');
    const file = await readFile(new URL(`../../../${DEFAULT_RULES_SOURCE}`, import.meta.url));
    expect(Buffer.from(DEFAULT_RULES_TEXT, 'utf8').equals(file)).toBe(true);
  });

  it('compiles, with the seed line verbatim and the default AboveThreshold flag', () => {
    const compiled = compileRuleSet(DEFAULT_RULES_TEXT, { hash: sha256Hex, source: DEFAULT_RULES_SOURCE });
    if (!compiled.ok) throw new Error(`does not compile: ${JSON.stringify(compiled.errors)}`);
    expect(compiled.ruleSet.textHash).toBe(sha256Hex(DEFAULT_RULES_TEXT));
    expect(compiled.ruleSet.rules.map((rule) => rule.condition)).toContain('event_type=="answer_is_liked"');
    expect(compiled.ruleSet.flag).toEqual(DEFAULT_THRESHOLD_FLAG);
    expect(compiled.ruleSet.flag).toMatchObject({
      windowMs: 120_000,
      thresholdMinor: 1_000_000n,
      sticky: true,
    });
  });

  it('guards its optional keys: a trade without data or without qty earns nothing and does not fail', () => {
    const compiled = compileRuleSet(DEFAULT_RULES_TEXT, { hash: sha256Hex, source: DEFAULT_RULES_SOURCE });
    if (!compiled.ok) throw new Error(`does not compile: ${JSON.stringify(compiled.errors)}`);
    const trade = { id: 't-1', source: 'qa', type: 'trade', subject: 'w1', time: '2026-12-06T10:00:00Z' };
    expect(compiled.ruleSet.evaluate(trade)).toEqual([]);
    expect(compiled.ruleSet.evaluate({ ...trade, data: {} })).toEqual([]);
    expect(compiled.ruleSet.evaluate({ ...trade, data: { qty: 9 } })).toEqual([]);
    const awards = compiled.ruleSet.evaluate({ ...trade, data: { qty: 12 } });
    expect(awards.map((award) => [award.ruleId, award.points])).toEqual([['trade-volume', 60n]]);
  });
});
