import { bigInt, isRecord, safeInt, text } from './fast-attributes.ts';

/**
 * The fast path of the view item's read (a wallet's view, or a snapshot: view-item.ts): the item
 * as toViewItem writes it, checked attribute by attribute without zod. Every read of a view meets
 * this shape, and the schema cost a cold start's first read ~3-6 ms CPU (built, then parsed: a
 * view with 50 retained deposits). `undefined` means "not read here" (a wrong type, a missing
 * attribute, anything unexpected): the caller then takes the schema, which stays the one
 * definition of a valid item and accepts or explains it. The fast path accepts only what the
 * schema accepts, read to the same values (view-item-parse.property.test.ts). The readers below
 * mirror the schema's parts one for one (numberAttr: safeInt, bigintAttr: bigInt, z.tuple: tuple…).
 */

/** A read of one value: `undefined` when it is not of the shape. */
type Read = (value: unknown) => unknown;

/** The elements of `value` read, the one at `index` by `readAt(index)`; undefined if one is not. */
function readEach(value: unknown[], readAt: (index: number) => Read | undefined): unknown[] | undefined {
  const out: unknown[] = [];
  for (let index = 0; index < value.length; index++) {
    const element = readAt(index)?.(value[index]);
    if (element === undefined) return undefined;
    out.push(element);
  }
  return out;
}

/** z.array: every element read. */
const array =
  (read: Read): Read =>
  (value) =>
    Array.isArray(value) ? readEach(value, () => read) : undefined;

/** z.tuple: exactly as many elements, each read by its own. */
const tuple =
  (...reads: Read[]): Read =>
  (value) =>
    Array.isArray(value) && value.length === reads.length
      ? readEach(value, (index) => reads[index])
      : undefined;

/** z.nullable: null, or the value read. */
const nullable =
  (read: Read): Read =>
  (value) =>
    value === null ? null : read(value);

/** An attribute the item may lack (z.optional): its read, marked optional. */
type Field = [key: string, read: Read, optional?: true];

/** z.object (unknown keys ignored, as the schema strips them): the fields read, optional ones absent when absent. */
const object =
  (fields: Field[]): Read =>
  (value) => {
    if (!isRecord(value)) return undefined;
    const out: Record<string, unknown> = {};
    for (const [key, read, optional] of fields) {
      const attribute = value[key];
      if (optional && attribute === undefined) continue;
      const parsed = read(attribute);
      if (parsed === undefined) return undefined;
      out[key] = parsed;
    }
    return out;
  };

const asset: Read = (value) => (value === 'money' || value === 'points' ? value : undefined);
const nullableInt = nullable(safeInt);
const windowDeposit: Read = (value) => {
  const entry = tuple(safeInt, bigInt, safeInt, safeInt)(value) as
    | [number, bigint, number, number]
    | undefined;
  return entry && { atMs: entry[0], amountMinor: entry[1], lane: entry[2], version: entry[3] };
};
const windowDeposits = array(windowDeposit);

/** `lanes`: the versions the view applied, at least one (appliedLanesSchema). */
export function fastLanes(value: unknown): number[] | undefined {
  const lanes = array(safeInt)(value) as number[] | undefined;
  return lanes?.length ? lanes : undefined;
}

const viewItem = object([
  ['walletId', text],
  ['lanes', fastLanes],
  ['eventCount', safeInt],
  ['balanceMinor', bigInt],
  ['depositCount', safeInt],
  ['points', bigInt],
  ['awardCount', safeInt],
  ['factCount', safeInt],
  ['correctionCount', safeInt, true],
  ['adjustmentCount', safeInt, true],
  ['corrections', array(tuple(safeInt, safeInt, safeInt, nullable(bigInt), nullableInt)), true],
  ['moneyMovedMinor', bigInt, true],
  ['moneyHeldMinor', bigInt, true],
  ['pointsHeld', bigInt, true],
  ['tradeCount', safeInt, true],
  ['holds', array(tuple(text, asset, bigInt, safeInt)), true],
  ['updatedAtMs', safeInt],
  ['thresholdMinor', bigInt],
  ['windowMs', safeInt],
  [
    'breach',
    nullable(
      object([
        ['atMs', safeInt],
        ['windowStartMs', safeInt],
        ['sumMinor', bigInt],
        ['depositCount', safeInt],
        ['deposits', windowDeposits],
      ]),
    ),
    true,
  ],
  ['maxAtMs', nullableInt, true],
  ['coverFromMs', nullableInt, true],
  ['retained', windowDeposits],
  ['evicted', nullable(array(bigInt)), true],
]);

/**
 * The item's attributes as the schema reads them (view-item.ts's ViewItemFields), or `undefined`:
 * not read here.
 */
export const fastViewItem: (item: unknown) => unknown = viewItem;
