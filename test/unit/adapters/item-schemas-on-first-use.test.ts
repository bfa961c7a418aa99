import { describe, expect, it, vi } from 'vitest';

// A pass-through spy: the real zod/mini, its objects counted. The idempotency item, the lane
// registry and the read index items are loaded by every writer (for their keys and item shapes)
// but read back only on a replay, on a wallet with shard lanes, or by the queries (and the rule set
// item by most functions, read only where a rule set is published): their schemas
// are built on first use (table-layout/on-first-use.ts), not when a cold start loads them.
vi.mock('zod/mini', async (importOriginal) => {
  const original = await importOriginal<typeof import('zod/mini')>();
  return { ...original, object: vi.fn(original.object) };
});
const z = await import('zod/mini');
const { fromIdempotencyItem } = await import('#adapters/dynamodb/table-layout/idempotency-item.ts');
const { fromLanesItem } = await import('#adapters/dynamodb/table-layout/lanes-item.ts');
const { fromAwardRangeItem, fromCorrectionItem } = await import(
  '#adapters/dynamodb/table-layout/read-index-items.ts'
);
const { fromRuleSetItem } = await import('#adapters/dynamodb/table-layout/rule-set-item.ts');

const objectsBuilt = () => vi.mocked(z.object).mock.calls.length;

describe('the item schemas a writer seldom reads', () => {
  it('are built when an item is first read, not at import, and then once', () => {
    expect(objectsBuilt()).toBe(0);

    const idempotency = {
      key: 'event#5:bench#1',
      payloadHash: 'h',
      walletId: 'w1',
      versions: ['3'],
      eventIds: ['e3'],
      statusCode: '202',
      body: '{}',
      recordedAtMs: '5',
    };
    expect(fromIdempotencyItem(idempotency)).toMatchObject({ versions: [3], response: { statusCode: 202 } });
    expect(objectsBuilt()).toBe(1);
    expect(() => fromIdempotencyItem({ ...idempotency, versions: ['x'] })).toThrow();

    // No registry item: lane 0 alone, and nothing built.
    expect(fromLanesItem(undefined)).toEqual([0]);
    expect(objectsBuilt()).toBe(1);
    expect(fromLanesItem({ lanes: new Set(['4', '2']) })).toEqual([0, 2, 4]);
    expect(objectsBuilt()).toBe(2);

    // An award range holds an array of fact places: two objects.
    const range = {
      lane: '0',
      fromVersion: '1',
      toVersion: '9',
      facts: [{ factId: 'f', lane: '0', version: '4' }],
    };
    expect(fromAwardRangeItem(range)).toEqual({
      lane: 0,
      fromVersion: 1,
      toVersion: 9,
      facts: [{ factId: 'f', lane: 0, version: 4 }],
    });
    expect(objectsBuilt()).toBe(4);
    const link = { targetLane: '0', targetVersion: '2', correctionVersion: '7', correctionId: 'c' };
    expect(fromCorrectionItem(link)).toEqual({
      target: { lane: 0, version: 2 },
      correctionVersion: 7,
      correctionId: 'c',
    });
    expect(objectsBuilt()).toBe(5);

    // A rule set item (a cold start on the built-in rules reads none).
    const ruleSet = { version: '2', text: 'r', textHash: 'ab', publishedAtMs: '5', form: '{}' };
    expect(fromRuleSetItem(ruleSet)).toEqual({
      version: 2,
      text: 'r',
      textHash: 'ab',
      publishedAtMs: 5,
      form: '{}',
    });
    expect(objectsBuilt()).toBe(6);

    // Read again: nothing more is built.
    fromIdempotencyItem(idempotency);
    fromLanesItem({ lanes: ['1'] });
    fromAwardRangeItem(range);
    fromCorrectionItem(link);
    fromRuleSetItem(ruleSet);
    expect(objectsBuilt()).toBe(6);
  });
});
