import * as z from 'zod/mini';
import { bucketMs, type EvictedBucket } from '#domain/threshold.ts';
import type { WalletView } from '#domain/wallet-view.ts';
import { bigintAttr, numberAttr } from './attributes.ts';
import { snapshotSk, VIEW_SK, walletPk } from './keys.ts';
import { onFirstUse } from './on-first-use.ts';
import { fastLanes, fastViewItem } from './view-item-fast.ts';

/**
 * The wallet's read model (its view) item. A snapshot is the same item under a SNAPSHOT# sort key
 * (keys.ts), so both are written and read back here.
 */

/**
 * The view item's schema: the one definition of a valid item. Built on first use (on-first-use.ts):
 * the fast path (view-item-fast.ts) reads the items toViewItem writes without it, so a cold start
 * that reads only those builds none of it (~3 ms CPU with a first parse, measured).
 */
const windowDepositSchema = () =>
  z.pipe(
    z.tuple([numberAttr, bigintAttr, numberAttr, numberAttr]),
    z.transform(([atMs, amountMinor, lane, version]) => ({ atMs, amountMinor, lane, version })),
  );

/** `lanes[k]`: the last version of lane k the view applied. */
const appliedLanesSchema = onFirstUse(() => z.array(numberAttr).check(z.minLength(1)));

const buildViewItemSchema = () =>
  z.object({
    walletId: z.string(),
    lanes: appliedLanesSchema(),
    eventCount: numberAttr,
    balanceMinor: bigintAttr,
    depositCount: numberAttr,
    points: bigintAttr,
    awardCount: numberAttr,
    factCount: numberAttr,
    correctionCount: z.optional(numberAttr),
    adjustmentCount: z.optional(numberAttr),
    /** [lane, version, byVersion, amountMinor | null, atMs | null] per corrected deposit. */
    corrections: z.optional(
      z.array(z.tuple([numberAttr, numberAttr, numberAttr, z.nullable(bigintAttr), z.nullable(numberAttr)])),
    ),
    // Absent on views stored before trading existed: nothing moved or held then.
    moneyMovedMinor: z.optional(bigintAttr),
    moneyHeldMinor: z.optional(bigintAttr),
    pointsHeld: z.optional(bigintAttr),
    tradeCount: z.optional(numberAttr),
    /** [holdId, asset, amount, expiresAtMs] per active hold; absent when none (or stored before it existed). */
    holds: z.optional(z.array(z.tuple([z.string(), z.enum(['money', 'points']), bigintAttr, numberAttr]))),
    updatedAtMs: numberAttr,
    thresholdMinor: bigintAttr,
    windowMs: numberAttr,
    breach: z.optional(
      z.nullable(
        z.object({
          atMs: numberAttr,
          windowStartMs: numberAttr,
          sumMinor: bigintAttr,
          depositCount: numberAttr,
          deposits: z.array(windowDepositSchema()),
        }),
      ),
    ),
    maxAtMs: z.optional(z.nullable(numberAttr)),
    coverFromMs: z.optional(z.nullable(numberAttr)),
    retained: z.array(windowDepositSchema()),
    /**
     * [first bucket's fromMs, its sum, the next bucket's sum, …] (0 for an empty bucket between), or
     * [] — absent on views stored before it existed (see fromViewItem).
     */
    evicted: z.optional(z.nullable(z.array(bigintAttr))),
  });
const viewItemSchema = onFirstUse(buildViewItemSchema);

/** The view item's attributes as read (the schema's output; the fast path gives the same). */
export type ViewItemFields = z.output<ReturnType<typeof buildViewItemSchema>>;

type WindowEntry = { atMs: number; amountMinor: bigint; lane: number; version: number };

const entryTuple = (entry: WindowEntry) => [entry.atMs, entry.amountMinor, entry.lane, entry.version];

export function toViewItem(view: WalletView): Record<string, unknown> {
  const { breach, maxAtMs, coverFromMs, retained, evicted } = view.threshold;
  return {
    pk: walletPk(view.walletId),
    sk: VIEW_SK,
    kind: 'view',
    walletId: view.walletId,
    lanes: view.lanes,
    eventCount: view.eventCount,
    balanceMinor: view.balanceMinor,
    depositCount: view.depositCount,
    points: view.points,
    awardCount: view.awardCount,
    factCount: view.factCount,
    correctionCount: view.correctionCount,
    adjustmentCount: view.adjustmentCount,
    corrections: view.corrections.map((entry) => [
      entry.lane,
      entry.version,
      entry.byVersion,
      entry.effective?.amountMinor ?? null,
      entry.effective?.atMs ?? null,
    ]),
    // Only for wallets that traded: the others' items stay as they were (read back as zeros).
    ...(view.tradeCount === 0
      ? {}
      : {
          moneyMovedMinor: view.moneyMovedMinor,
          moneyHeldMinor: view.moneyHeldMinor,
          pointsHeld: view.pointsHeld,
          tradeCount: view.tradeCount,
        }),
    ...(view.activeHolds.length === 0
      ? {}
      : {
          holds: view.activeHolds.map((hold) => [hold.holdId, hold.asset, hold.amount, hold.expiresAtMs]),
        }),
    updatedAtMs: view.updatedAtMs,
    thresholdMinor: view.thresholdMinor,
    windowMs: view.windowMs,
    breach: breach === null ? null : { ...breach, deposits: breach.deposits.map(entryTuple) },
    maxAtMs,
    coverFromMs,
    retained: retained.map(entryTuple),
    // Always empty once breached, and read back so when absent: not written then (the item stays
    // as small as before the buckets existed).
    ...(breach !== null ? {} : { evicted: evicted === null ? null : evictedTuple(evicted, bucketMs(view)) }),
  };
}

/** A snapshot: the view item under its event count's SNAPSHOT# key (read back by fromViewItem). */
export function toSnapshotItem(view: WalletView): Record<string, unknown> {
  return { ...toViewItem(view), sk: snapshotSk(view.eventCount), kind: 'snapshot' };
}

/** The buckets as one list: the first one's start, then every bucket's sum up to the last (one item attribute, no key per bucket). */
function evictedTuple(evicted: readonly EvictedBucket[], widthMs: number): bigint[] {
  const first = evicted[0];
  if (first === undefined) return [];
  const sums: bigint[] = [BigInt(first.fromMs)];
  for (const bucket of evicted) {
    const index = 1 + (bucket.fromMs - first.fromMs) / widthMs;
    while (sums.length < index) sums.push(0n);
    sums.push(bucket.sumMinor);
  }
  return sums;
}

function evictedBuckets(tuple: readonly bigint[], widthMs: number): EvictedBucket[] {
  const [first, ...sums] = tuple;
  if (first === undefined) return [];
  return sums.flatMap((sumMinor, index) =>
    sumMinor === 0n ? [] : [{ fromMs: Number(first) + index * widthMs, sumMinor }],
  );
}

/**
 * Only a view item's `lanes` (the versions it applied), the part a verify holds the log against:
 * the checkpoint sweep reads no other attribute of it (checkpoint-sweep-store.ts).
 */
export const fromViewItemLanes = (item: { lanes?: unknown }): number[] | undefined => {
  const fast = fastLanes(item.lanes);
  if (fast !== undefined) return fast;
  // One that does not read (edited, or written by something else) anchors nothing, as a view that
  // is not there: the sweep verifies the log against its checkpoints (review8: it threw, and the
  // sweep stopped at that wallet's slice, tick after tick), as it is to the read model's readers.
  const parsed = appliedLanesSchema().safeParse(item.lanes);
  return parsed.success ? parsed.data : undefined;
};

/** The view of an item the fast path reads (view-item-fast.ts), else `undefined`. */
export function fastViewOfItem(item: unknown): WalletView | undefined {
  const parsed = fastViewItem(item) as ViewItemFields | undefined;
  return parsed === undefined ? undefined : viewOf(parsed);
}

/** The view of an item read by the schema alone: it accepts or explains any item. */
export function fromViewItemSchema(item: unknown): WalletView {
  const parsed: ViewItemFields = viewItemSchema().parse(item);
  return viewOf(parsed);
}

/**
 * The view an item holds, or `undefined` for an item that does not read as one (edited, or written
 * by something else): the read model store answers it as a view not there, and a write replaces it
 * (read-models.ts).
 */
export function readableViewItem(item: unknown): WalletView | undefined {
  const fast = fastViewOfItem(item);
  if (fast !== undefined) return fast;
  const parsed = viewItemSchema().safeParse(item);
  return parsed.success ? viewOf(parsed.data as ViewItemFields) : undefined;
}

/** The view (or snapshot) an item holds: the fast path, else the schema. */
export const fromViewItem = (item: unknown): WalletView => fastViewOfItem(item) ?? fromViewItemSchema(item);

function viewOf(parsed: ViewItemFields): WalletView {
  return {
    walletId: parsed.walletId,
    lanes: parsed.lanes,
    eventCount: parsed.eventCount,
    balanceMinor: parsed.balanceMinor,
    depositCount: parsed.depositCount,
    points: parsed.points,
    awardCount: parsed.awardCount,
    factCount: parsed.factCount,
    correctionCount: parsed.correctionCount ?? 0,
    adjustmentCount: parsed.adjustmentCount ?? 0,
    corrections: (parsed.corrections ?? []).map(([lane, version, byVersion, amountMinor, atMs]) => ({
      lane,
      version,
      byVersion,
      effective: amountMinor === null || atMs === null ? null : { amountMinor, atMs },
    })),
    moneyMovedMinor: parsed.moneyMovedMinor ?? 0n,
    moneyHeldMinor: parsed.moneyHeldMinor ?? 0n,
    pointsHeld: parsed.pointsHeld ?? 0n,
    tradeCount: parsed.tradeCount ?? 0,
    activeHolds: (parsed.holds ?? []).map(([holdId, asset, amount, expiresAtMs]) => ({
      holdId,
      asset,
      amount,
      expiresAtMs,
    })),
    updatedAtMs: parsed.updatedAtMs,
    thresholdMinor: parsed.thresholdMinor,
    windowMs: parsed.windowMs,
    threshold: {
      breach: parsed.breach ?? null,
      maxAtMs: parsed.maxAtMs ?? null,
      coverFromMs: parsed.coverFromMs ?? null,
      retained: parsed.retained,
      // A view stored before the buckets existed: known empty if the cache never let a deposit
      // go or the flag is set, else unknown (decided from history, as it was, until a replay
      // rebuilds the view).
      evicted:
        parsed.evicted !== undefined
          ? parsed.evicted === null
            ? null
            : evictedBuckets(parsed.evicted, bucketMs(parsed))
          : parsed.coverFromMs == null || parsed.breach != null
            ? []
            : null,
    },
  };
}
