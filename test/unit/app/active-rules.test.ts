import { beforeEach, describe, expect, it, vi } from 'vitest';
import { sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { ActiveRuleSets, RULES_REFRESH_MS } from '#app/active-rules.ts';
import { RETAINED_DEPOSITS_MAX } from '#app/config.ts';
import { DEFAULT_RULES_TEXT } from '#app/default-rules.ts';
import { compileForm } from '#rules/compile-form.ts';
import { InMemoryRuleSetStore } from '../../support/in-memory-rule-set-store.ts';

// A pass-through spy: the real compiler, counted. Every compile ends here, from a stored form or
// (versions stored without one) from the text through rule-set.ts.
vi.mock('#rules/compile-form.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('#rules/compile-form.ts')>();
  return { ...original, compileForm: vi.fn(original.compileForm) };
});
const compileSpy = vi.mocked(compileForm);

const SEED = 'event_type=="answer_is_liked", 250\n';
const TRADE = 'event_type == "trade", 1\n';

let store: InMemoryRuleSetStore;
let nowMs: number;
let rules: ActiveRuleSets;

beforeEach(() => {
  store = new InMemoryRuleSetStore();
  nowMs = 1_700_000_000_000;
  rules = new ActiveRuleSets(store, { nowMs: () => nowMs }, sha256Hex);
  compileSpy.mockClear();
});

async function publish(text: string): Promise<number> {
  const outcome = await store.publish({ text, textHash: sha256Hex(text), publishedAtMs: nowMs });
  if (outcome.kind !== 'published') throw new Error(`not published: ${outcome.kind}`);
  return outcome.ruleSet.version;
}

const compiledTexts = () => compileSpy.mock.calls.map(([, text]) => text);

describe('ActiveRuleSets', () => {
  it('is version 0, the built-in rule set with its 2-minute flag, when nothing is published', async () => {
    const active = await rules.current();
    expect(active.version).toBe(0);
    expect(active.ruleSet.textHash).toBe(sha256Hex(DEFAULT_RULES_TEXT));
    expect(active.ruleSet.source).toBe('rules/tally.rules.yaml');
    expect(active.threshold).toEqual({
      thresholdMinor: 1_000_000n,
      windowMs: 120_000,
      retainMax: RETAINED_DEPOSITS_MAX,
    });
  });

  it('refreshes within the 5 s the issue allows', () => {
    expect(RULES_REFRESH_MS).toBeGreaterThan(0);
    expect(RULES_REFRESH_MS).toBeLessThanOrEqual(5_000);
  });

  it('picks up a publish once RULES_REFRESH_MS has passed, not before', async () => {
    expect((await rules.current()).version).toBe(0);
    await publish(SEED);

    nowMs += RULES_REFRESH_MS - 1;
    expect((await rules.current()).version).toBe(0);
    expect(store.activeReads).toBe(1);

    nowMs += 1;
    const active = await rules.current();
    expect(active.version).toBe(1);
    expect(active.ruleSet.textHash).toBe(sha256Hex(SEED));
    expect(active.ruleSet.source).toBe('version 1');
  });

  it('compiles each version once, however often it is re-read', async () => {
    await rules.current();
    for (let step = 0; step < 5; step++) {
      nowMs += RULES_REFRESH_MS;
      await rules.current();
    }
    expect(store.activeReads).toBe(6);
    // Version 0 is built from its stored form's decisions: compileForm is not called for it.
    expect(compiledTexts()).toEqual([]);

    await publish(SEED);
    const held = [];
    for (let step = 0; step < 5; step++) {
      nowMs += RULES_REFRESH_MS;
      held.push(await rules.current());
    }
    expect(compiledTexts()).toEqual([SEED]);
    // The same compiled object is handed out for the same version.
    expect(new Set(held).size).toBe(1);

    await publish(TRADE);
    nowMs += RULES_REFRESH_MS;
    expect((await rules.current()).version).toBe(2);
    expect(compiledTexts()).toEqual([SEED, TRADE]);
  });

  it('shares one refresh among concurrent callers', async () => {
    await publish(SEED);
    const results = await Promise.all(Array.from({ length: 20 }, () => rules.current()));
    expect(store.activeReads).toBe(1);
    expect(compileSpy).toHaveBeenCalledTimes(1);
    expect(new Set(results).size).toBe(1);
    expect(results[0]?.version).toBe(1);

    nowMs += RULES_REFRESH_MS;
    await Promise.all(Array.from({ length: 20 }, () => rules.current()));
    expect(store.activeReads).toBe(2);
  });

  it('does not keep a failed refresh: the next call reads again', async () => {
    const read = vi.spyOn(store, 'active').mockRejectedValueOnce(new Error('throttled'));
    await expect(rules.current()).rejects.toThrow('throttled');
    expect((await rules.current()).version).toBe(0);
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('takes the threshold from the published flag', async () => {
    await publish(
      [
        'rules:',
        '  - event_type=="answer_is_liked", 250',
        'flags:',
        '  - id: above_threshold',
        '    description: More than 50 within a minute.',
        '    window: 1m',
        '    greaterThan: "50"',
        '    sticky: true',
        '',
      ].join('\n'),
    );
    const active = await rules.current();
    expect(active.version).toBe(1);
    expect(active.threshold).toEqual({
      windowMs: 60_000,
      thresholdMinor: 5_000n,
      retainMax: RETAINED_DEPOSITS_MAX,
    });
    expect(active.ruleSet.flag).toMatchObject({ windowMs: 60_000, thresholdMinor: 5_000n });
  });

  it('keeps the default flag for a one-liner rule set, which has none', async () => {
    await publish(SEED);
    expect((await rules.current()).threshold).toMatchObject({
      windowMs: 120_000,
      thresholdMinor: 1_000_000n,
    });
  });
});
