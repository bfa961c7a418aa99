import { describe, expect, it, vi } from 'vitest';

// A pass-through spy: the real zod/mini, its objects counted. The view item's schema holds two
// (the item, its breach); view-item.ts builds it with the first item its fast path does not read.
vi.mock('zod/mini', async (importOriginal) => {
  const original = await importOriginal<typeof import('zod/mini')>();
  return { ...original, object: vi.fn(original.object) };
});
const z = await import('zod/mini');
const { fromViewItem, fromViewItemLanes } = await import('#adapters/dynamodb/table-layout/view-item.ts');

const objectsBuilt = () => vi.mocked(z.object).mock.calls.length;

/** A view item as the document client reads it back (numbers as their decimal text): a wallet that traded, corrected and breached. */
const item = {
  pk: 'WALLET#w1',
  sk: 'VIEW',
  kind: 'view',
  walletId: 'w1',
  lanes: ['7', '2'],
  eventCount: '9',
  balanceMinor: '-150',
  depositCount: '3',
  points: '40',
  awardCount: '1',
  factCount: '1',
  correctionCount: '1',
  adjustmentCount: '0',
  corrections: [['0', '2', '5', null, null]],
  moneyMovedMinor: '-50',
  moneyHeldMinor: '25',
  pointsHeld: '0',
  tradeCount: '2',
  holds: [['h1', 'money', '25', '9000']],
  updatedAtMs: '1000',
  thresholdMinor: '100',
  windowMs: '60000',
  breach: {
    atMs: '900',
    windowStartMs: '0',
    sumMinor: '200',
    depositCount: '2',
    deposits: [['800', '100', '0', '1']],
  },
  maxAtMs: '900',
  coverFromMs: null,
  retained: [
    ['800', '100', '0', '1'],
    ['900', '100', '1', '2'],
  ],
};

describe('the view item schema', () => {
  it('is built on the first item the fast path does not read, not at import, and then once', () => {
    // Importing view-item.ts (every function that reads or writes views does) built nothing.
    expect(objectsBuilt()).toBe(0);
    const view = fromViewItem(item);
    expect(view).toMatchObject({
      walletId: 'w1',
      lanes: [7, 2],
      balanceMinor: -150n,
      corrections: [{ lane: 0, version: 2, byVersion: 5, effective: null }],
      activeHolds: [{ holdId: 'h1', asset: 'money', amount: 25n, expiresAtMs: 9000 }],
      threshold: {
        breach: {
          atMs: 900,
          sumMinor: 200n,
          deposits: [{ atMs: 800, amountMinor: 100n, lane: 0, version: 1 }],
        },
        retained: [{ atMs: 800 }, { atMs: 900, lane: 1, version: 2 }],
        evicted: [], // Absent and breached: known empty.
      },
    });
    expect(fromViewItemLanes(item)).toEqual([7, 2]);
    expect(objectsBuilt()).toBe(0);
    // A refused item: the schema built (the item and its breach) and explains it.
    expect(() => fromViewItem({ ...item, holds: [['h1', 'stocks', '25', '9000']] })).toThrow(/holds/);
    expect(objectsBuilt()).toBe(2);
    expect(() => fromViewItem({ ...item, lanes: [] })).toThrow();
    expect(fromViewItemLanes({ lanes: [] })).toBeUndefined();
    expect(objectsBuilt()).toBe(2);
  });
});
