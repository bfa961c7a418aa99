import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DecisionRuleSource } from '#app/cards.ts';
import { builtInDecisionRules } from '#app/default-decision-rules.ts';
import { ENV } from '#lib/wiring.ts';

/**
 * composition/cards.ts loads the card decision rules with the instance's first authorization (a
 * chunk of their own, with their store). A load that fails (the chunk cannot be read, the store
 * cannot be built) fails that authorization only: the next one loads again, rather than every
 * later authorization of the instance answering the remembered failure.
 */
describe('the card decision rules of a function instance', () => {
  const names = [ENV.tableName, ENV.dynamodbEndpoint];
  const saved = names.map((name) => process.env[name]);
  afterEach(() => {
    vi.doUnmock('#composition/card-decision-rules.ts');
    vi.resetModules();
    names.forEach((name, index) => {
      const value = saved[index];
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    });
  });

  const rulesOfAnInstance = async (): Promise<DecisionRuleSource> => {
    process.env[ENV.tableName] = 'card-rules-retry';
    process.env[ENV.dynamodbEndpoint] = 'http://127.0.0.1:9';
    vi.resetModules();
    return (await import('#composition/cards.ts')).cardDeps().decisionRules;
  };

  it.each([
    ['the chunk cannot be loaded', 'load'],
    ['the rules cannot be built', 'build'],
  ] as const)('a failed first load (%s) is tried again by the next authorization', async (_case, fails) => {
    let loads = 0;
    vi.doMock('#composition/card-decision-rules.ts', () => {
      loads++;
      if (fails === 'load' && loads === 1) throw new Error('chunk unreadable');
      let built = 0;
      return {
        activeDecisionRules: (): DecisionRuleSource => {
          built++;
          if (fails === 'build' && built === 1) throw new Error('store unavailable');
          return builtInDecisionRules;
        },
      };
    });
    const rules = await rulesOfAnInstance();
    await expect(rules.current()).rejects.toThrow();
    const second = await rules.current();
    expect(second.version).toBe(0);
    // Loaded once it worked, and kept: a third authorization loads nothing.
    await rules.current();
    expect(loads).toBe(fails === 'load' ? 2 : 1);
  });
});
