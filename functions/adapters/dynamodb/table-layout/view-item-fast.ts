import { bigInt, safeInt, text } from './fast-attributes.ts';

/**
 * The fast path of the view item's read (a wallet's view, or a snapshot: view-item.ts): the item
 * as toViewItem writes it, checked attribute by attribute without zod. Every read of a view meets
 * this shape, and the schema costs a cold start's first read ~3 ms CPU (built, then parsed: a
 * view with 50 retained deposits). `undefined` means "not read here" (a wrong type, a missing
 * attribute, anything unexpected): the caller then takes the schema, which stays the one
 * definition of a valid item and accepts or explains it. The fast path accepts only what the
 * schema accepts, read to the same values (view-item-parse.property.test.ts).
 */

/** A deposit in the threshold's window: [atMs, amountMinor, lane, version] in the item. */
export type WindowEntry = { atMs: number; amountMinor: bigint; lane: number; version: number };

/** The view item's attributes as read (the schema's output: view-item.ts checks it is this type). */
export interface ViewItemFields {
  walletId: string;
  lanes: number[];
  eventCount: number;
  balanceMinor: bigint;
  depositCount: number;
  points: bigint;
  awardCount: number;
  factCount: number;
  correctionCount?: number | undefined;
  adjustmentCount?: number | undefined;
  corrections?: [number, number, number, bigint | null, number | null][] | undefined;
  moneyMovedMinor?: bigint | undefined;
  moneyHeldMinor?: bigint | undefined;
  pointsHeld?: bigint | undefined;
  tradeCount?: number | undefined;
  holds?: [string, 'money' | 'points', bigint, number][] | undefined;
  updatedAtMs: number;
  thresholdMinor: bigint;
  windowMs: number;
  breach?:
    | { atMs: number; windowStartMs: number; sumMinor: bigint; depositCount: number; deposits: WindowEntry[] }
    | null
    | undefined;
  maxAtMs?: number | null | undefined;
  coverFromMs?: number | null | undefined;
  retained: WindowEntry[];
  evicted?: bigint[] | null | undefined;
}

/** A read of one value: `undefined` when it is not of the shape. */
type Read<T> = (value: unknown) => T | undefined;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every element read, or undefined if one is not (z.array). */
function arrayOf<T>(value: unknown, read: Read<T>): T[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: T[] = [];
  for (let index = 0; index < value.length; index++) {
    const element = read(value[index]);
    if (element === undefined) return undefined;
    out.push(element);
  }
  return out;
}

/** z.nullable: null, or the value read. */
const nullable =
  <T>(read: Read<T>): Read<T | null> =>
  (value) =>
    value === null ? null : read(value);

/** An optional attribute: absent (`{ value: undefined }`), read, or `undefined` when it is there but not of the shape. */
function optional<T>(value: unknown, read: Read<T>): { value: T | undefined } | undefined {
  if (value === undefined) return { value: undefined };
  const parsed = read(value);
  return parsed === undefined ? undefined : { value: parsed };
}

const tuple = (value: unknown, length: number): unknown[] | undefined =>
  Array.isArray(value) && value.length === length ? value : undefined;

const windowEntry: Read<WindowEntry> = (value) => {
  const entry = tuple(value, 4);
  if (entry === undefined) return undefined;
  const atMs = safeInt(entry[0]);
  const amountMinor = bigInt(entry[1]);
  const lane = safeInt(entry[2]);
  const version = safeInt(entry[3]);
  if (atMs === undefined || amountMinor === undefined || lane === undefined || version === undefined)
    return undefined;
  return { atMs, amountMinor, lane, version };
};

const nullableBigInt = nullable(bigInt);
const nullableInt = nullable(safeInt);

const correction: Read<[number, number, number, bigint | null, number | null]> = (value) => {
  const entry = tuple(value, 5);
  if (entry === undefined) return undefined;
  const lane = safeInt(entry[0]);
  const version = safeInt(entry[1]);
  const byVersion = safeInt(entry[2]);
  const amountMinor = nullableBigInt(entry[3]);
  const atMs = nullableInt(entry[4]);
  if (
    lane === undefined ||
    version === undefined ||
    byVersion === undefined ||
    amountMinor === undefined ||
    atMs === undefined
  )
    return undefined;
  return [lane, version, byVersion, amountMinor, atMs];
};

const hold: Read<[string, 'money' | 'points', bigint, number]> = (value) => {
  const entry = tuple(value, 4);
  if (entry === undefined) return undefined;
  const holdId = text(entry[0]);
  const asset = entry[1];
  const amount = bigInt(entry[2]);
  const expiresAtMs = safeInt(entry[3]);
  if (holdId === undefined || (asset !== 'money' && asset !== 'points') || amount === undefined)
    return undefined;
  return expiresAtMs === undefined ? undefined : [holdId, asset, amount, expiresAtMs];
};

const breach = nullable((value) => {
  if (!isRecord(value)) return undefined;
  const atMs = safeInt(value.atMs);
  const windowStartMs = safeInt(value.windowStartMs);
  const sumMinor = bigInt(value.sumMinor);
  const depositCount = safeInt(value.depositCount);
  const deposits = arrayOf(value.deposits, windowEntry);
  if (
    atMs === undefined ||
    windowStartMs === undefined ||
    sumMinor === undefined ||
    depositCount === undefined ||
    deposits === undefined
  )
    return undefined;
  return { atMs, windowStartMs, sumMinor, depositCount, deposits };
});

/** `lanes`: the versions the view applied, at least one (appliedLanesSchema). */
export function fastLanes(value: unknown): number[] | undefined {
  const lanes = arrayOf(value, safeInt);
  return lanes === undefined || lanes.length === 0 ? undefined : lanes;
}

const correctionsOf = (value: unknown) => arrayOf(value, correction);
const holdsOf = (value: unknown) => arrayOf(value, hold);
const bigIntsOf = nullable((value) => arrayOf(value, bigInt));

export function fastViewItem(item: unknown): ViewItemFields | undefined {
  if (!isRecord(item)) return undefined;
  const walletId = text(item.walletId);
  const lanes = fastLanes(item.lanes);
  const eventCount = safeInt(item.eventCount);
  const balanceMinor = bigInt(item.balanceMinor);
  const depositCount = safeInt(item.depositCount);
  const points = bigInt(item.points);
  const awardCount = safeInt(item.awardCount);
  const factCount = safeInt(item.factCount);
  const updatedAtMs = safeInt(item.updatedAtMs);
  const thresholdMinor = bigInt(item.thresholdMinor);
  const windowMs = safeInt(item.windowMs);
  const retained = arrayOf(item.retained, windowEntry);
  const correctionCount = optional(item.correctionCount, safeInt);
  const adjustmentCount = optional(item.adjustmentCount, safeInt);
  const corrections = optional(item.corrections, correctionsOf);
  const moneyMovedMinor = optional(item.moneyMovedMinor, bigInt);
  const moneyHeldMinor = optional(item.moneyHeldMinor, bigInt);
  const pointsHeld = optional(item.pointsHeld, bigInt);
  const tradeCount = optional(item.tradeCount, safeInt);
  const holds = optional(item.holds, holdsOf);
  const breachRead = optional(item.breach, breach);
  const maxAtMs = optional(item.maxAtMs, nullableInt);
  const coverFromMs = optional(item.coverFromMs, nullableInt);
  const evicted = optional(item.evicted, bigIntsOf);
  if (
    walletId === undefined ||
    lanes === undefined ||
    eventCount === undefined ||
    balanceMinor === undefined ||
    depositCount === undefined ||
    points === undefined ||
    awardCount === undefined ||
    factCount === undefined ||
    updatedAtMs === undefined ||
    thresholdMinor === undefined ||
    windowMs === undefined ||
    retained === undefined ||
    correctionCount === undefined ||
    adjustmentCount === undefined ||
    corrections === undefined ||
    moneyMovedMinor === undefined ||
    moneyHeldMinor === undefined ||
    pointsHeld === undefined ||
    tradeCount === undefined ||
    holds === undefined ||
    breachRead === undefined ||
    maxAtMs === undefined ||
    coverFromMs === undefined ||
    evicted === undefined
  )
    return undefined;
  return {
    walletId,
    lanes,
    eventCount,
    balanceMinor,
    depositCount,
    points,
    awardCount,
    factCount,
    correctionCount: correctionCount.value,
    adjustmentCount: adjustmentCount.value,
    corrections: corrections.value,
    moneyMovedMinor: moneyMovedMinor.value,
    moneyHeldMinor: moneyHeldMinor.value,
    pointsHeld: pointsHeld.value,
    tradeCount: tradeCount.value,
    holds: holds.value,
    updatedAtMs,
    thresholdMinor,
    windowMs,
    breach: breachRead.value,
    maxAtMs: maxAtMs.value,
    coverFromMs: coverFromMs.value,
    retained,
    evicted: evicted.value,
  };
}
