import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fastViewOfItem,
  fromViewItem,
  fromViewItemLanes,
  fromViewItemSchema,
  toSnapshotItem,
  toViewItem,
} from '#adapters/dynamodb/table-layout/view-item.ts';
import { bucketMs } from '#domain/threshold.ts';
import type { WalletView } from '#domain/wallet-view.ts';
import { junk } from '../../support/junk-values.ts';

/** What a read gives: the value, or that it refused (compared with toStrictEqual). */
function outcome(read: (item: unknown) => unknown, item: unknown): unknown {
  try {
    return { value: read(item) };
  } catch {
    return 'refused';
  }
}

const time = fc.integer({ min: 0, max: 2 ** 45 });
const count = fc.nat({ max: 10 ** 6 });
const minor = fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n });
const windowDeposit = fc.record({
  atMs: time,
  amountMinor: fc.bigInt({ min: 1n, max: 10n ** 12n }),
  lane: fc.nat({ max: 31 }),
  version: fc.integer({ min: 1, max: 10 ** 9 }),
});

/** A wallet view as a projector holds it (the fields toViewItem writes), every optional shape in turn. */
const views: fc.Arbitrary<WalletView> = fc
  .record({
    walletId: fc.string({ minLength: 1 }),
    lanes: fc.array(fc.nat({ max: 10 ** 9 }), { minLength: 1, maxLength: 4 }),
    eventCount: count,
    balanceMinor: minor,
    depositCount: count,
    points: minor,
    awardCount: count,
    factCount: count,
    correctionCount: count,
    adjustmentCount: count,
    corrections: fc.array(
      fc.record({
        lane: fc.nat({ max: 31 }),
        version: fc.integer({ min: 1, max: 10 ** 9 }),
        byVersion: fc.integer({ min: 1, max: 10 ** 9 }),
        effective: fc.option(fc.record({ amountMinor: minor, atMs: time }), { nil: null }),
      }),
      { maxLength: 3 },
    ),
    moneyMovedMinor: minor,
    moneyHeldMinor: minor,
    pointsHeld: minor,
    tradeCount: fc.oneof(fc.constant(0), count),
    activeHolds: fc.array(
      fc.record({
        holdId: fc.string(),
        asset: fc.constantFrom('money' as const, 'points' as const),
        amount: minor,
        expiresAtMs: time,
      }),
      { maxLength: 3 },
    ),
    updatedAtMs: time,
    thresholdMinor: fc.bigInt({ min: 1n, max: 10n ** 12n }),
    windowMs: fc.integer({ min: 1, max: 10 ** 9 }),
    breach: fc.option(
      fc.record({
        atMs: time,
        windowStartMs: time,
        sumMinor: minor,
        depositCount: count,
        deposits: fc.array(windowDeposit, { maxLength: 10 }),
      }),
      { nil: null },
    ),
    maxAtMs: fc.option(time, { nil: null }),
    coverFromMs: fc.option(time, { nil: null }),
    retained: fc.array(windowDeposit, { maxLength: 60 }),
    evicted: fc.option(
      fc.record({
        fromBucket: fc.nat({ max: 10 ** 4 }),
        sums: fc.array(fc.option(fc.bigInt({ min: 1n, max: 10n ** 12n }), { nil: null }), { maxLength: 17 }),
      }),
      { nil: null },
    ),
  })
  .map(({ breach, maxAtMs, coverFromMs, retained, evicted, ...view }) => {
    const width = bucketMs(view);
    // Non-empty buckets at bucket-aligned starts, as the threshold keeps them.
    const buckets =
      evicted === null
        ? null
        : evicted.sums.flatMap((sumMinor, index) =>
            sumMinor === null ? [] : [{ fromMs: (evicted.fromBucket + index) * width, sumMinor }],
          );
    return { ...view, threshold: { breach, maxAtMs, coverFromMs, retained, evicted: buckets } };
  });

const wrapNumbers = (text: string) => text;
/** The item as the document client reads it back (client.ts: numbers as their decimal text). */
const asRead = (item: Record<string, unknown>): Record<string, unknown> =>
  unmarshall(marshall(item, { removeUndefinedValues: true }), { wrapNumbers });
/** The same item with its numbers as numbers where they are safe (a client without wrapNumbers, or JSON). */
const asNumbers = (item: Record<string, unknown>): Record<string, unknown> =>
  unmarshall(marshall(item, { removeUndefinedValues: true }), {
    wrapNumbers: (text: string) => (Number.isSafeInteger(Number(text)) ? Number(text) : text),
  });

const stored = fc.tuple(views, fc.boolean(), fc.boolean()).map(([view, snapshot, numbers]) => {
  const item = asRead(snapshot ? toSnapshotItem(view) : toViewItem(view));
  return numbers ? asNumbers(item) : item;
});

const KEYS = [
  'walletId',
  'lanes',
  'eventCount',
  'balanceMinor',
  'depositCount',
  'points',
  'awardCount',
  'factCount',
  'correctionCount',
  'adjustmentCount',
  'corrections',
  'moneyMovedMinor',
  'moneyHeldMinor',
  'pointsHeld',
  'tradeCount',
  'holds',
  'updatedAtMs',
  'thresholdMinor',
  'windowMs',
  'breach',
  'maxAtMs',
  'coverFromMs',
  'retained',
  'evicted',
];

/** Every place in the item (an attribute, an element of a list, a field of the breach), as a path. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value))
    return [prefix, ...value.flatMap((element, index) => paths(element, [...prefix, index]))];
  if (typeof value === 'object' && value !== null)
    return [prefix, ...Object.entries(value).flatMap(([key, element]) => paths(element, [...prefix, key]))];
  return [prefix];
}

/** A deep copy of `item` with the value at `path` set (undefined: removed), or a key added beside it. */
function edited(item: unknown, path: (string | number)[], value: unknown, add: string | undefined): unknown {
  const copy = structuredClone(item) as Record<string | number, unknown>;
  let parent: Record<string | number, unknown> = copy;
  for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
  const last = path.at(-1);
  if (last === undefined) return copy;
  if (add !== undefined) {
    const target = parent[last];
    if (Array.isArray(target)) target.push(value);
    else if (typeof target === 'object' && target !== null) (target as Record<string, unknown>)[add] = value;
    else parent[add] = value;
  } else if (value === undefined && !Array.isArray(parent)) delete parent[last];
  else parent[last] = value;
  return copy;
}

/** The fast path and the schema read `item` alike: the fast path reads it as the schema does, or leaves it. */
function agree(item: unknown): 'fast' | 'left' {
  const fast = outcome(fastViewOfItem, item);
  const schema = outcome(fromViewItemSchema, item);
  expect(fast).not.toBe('refused'); // It answers undefined, never throws.
  expect(outcome(fromViewItem, item)).toStrictEqual(schema);
  if ((fast as { value: unknown }).value === undefined) return 'left';
  expect(fast).toStrictEqual(schema);
  return 'fast';
}

describe('fromViewItem: the fast path and the schema agree', () => {
  it('on view and snapshot items as written, which the fast path reads', () => {
    fc.assert(
      fc.property(stored, (item) => {
        expect(agree(item)).toBe('fast');
        expect(fromViewItemLanes(item)).toStrictEqual(fromViewItemSchema(item).lanes);
      }),
      { numRuns: 500 },
    );
  });

  it('on items with one attribute, list element or breach field edited, removed, added or of the wrong type', () => {
    // An attribute first (each as likely, whatever its size), then a place in it.
    const places = stored.chain((item) =>
      fc.tuple(
        fc.constant(item),
        fc.oneof(
          fc.constantFrom(...Object.keys(item)).chain((key) => fc.constantFrom(...paths(item[key], [key]))),
          fc.constantFrom(...KEYS).map((key) => [key]),
        ),
      ),
    );
    let left = 0;
    fc.assert(
      fc.property(
        places,
        // Removed (a quarter of the time), else another value.
        fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, { weight: 3, arbitrary: junk }),
        // Mostly an edit in place; sometimes a key (or list element) added beside it.
        fc.oneof(
          { weight: 3, arbitrary: fc.constant(undefined) },
          { weight: 1, arbitrary: fc.constantFrom('x', 'atMs', 'extra') },
        ),
        ([item, path], value, add) => {
          if (agree(edited(item, path, value, add)) === 'left') left++;
        },
      ),
      { numRuns: 5_000 },
    );
    // The edits are not all read alike by luck: many are refused (or left) by the fast path.
    expect(left).toBeGreaterThan(500);
  }, 60_000);

  it('on lanes alone (the checkpoint sweep), edited or not: what the schema refuses reads as no view', () => {
    fc.assert(
      fc.property(fc.oneof(junk, fc.array(junk, { maxLength: 4 })), (lanes) => {
        const read = fromViewItemLanes({ lanes });
        expect(read === undefined ? 'refused' : { value: read }).toStrictEqual(
          outcome((value) => fromViewItemSchema(value).lanes, { ...validItem, lanes }),
        );
      }),
      { numRuns: 1_000 },
    );
  });
});

const validItem = fc.sample(stored, { numRuns: 1, seed: 1 })[0];
