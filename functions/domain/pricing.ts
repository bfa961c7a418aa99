import { DomainError } from './errors.ts';
import { formatMinor, parseAmountMinor } from './money.ts';

/**
 * What points cost in money, exactly. A rate is a ratio of two integers — `points` points are
 * worth `moneyMinor` minor units — so "100 points for 1.00" and "3 points for 0.01" are both exact;
 * no float or decimal price per point is ever formed.
 *
 * Rounding, stated once and always in the platform's favour by at most one minor unit or point:
 * - buying points: the buyer pays the price ROUNDED UP to a whole minor unit ({@link priceOfPointsMinor});
 * - paying with points: the points cover their value ROUNDED DOWN ({@link pointsValueMinor}), so
 *   the cash part of an order is rounded up;
 * - money to points: a sum buys the points it covers, ROUNDED DOWN ({@link pointsForMoneyMinor}).
 * So `pointsForMoneyMinor(priceOfPointsMinor(p)) >= p`: what a buyer paid always covers the points.
 */
export interface PointRate {
  /** Minor units of money (the ledger's money scale, 2) that `points` points are worth. > 0. */
  moneyMinor: bigint;
  /** How many points `moneyMinor` buys. > 0. */
  points: bigint;
}

/** The default rate: 100 points for 1.00 (one point is worth one cent). */
export const DEFAULT_POINT_RATE: PointRate = { moneyMinor: 100n, points: 100n };

/** The most points one purchase or order may name (bounds every product; providers cap amounts lower still). */
export const POINTS_PER_REQUEST_MAX = 1_000_000_000_000n;

/** Checks a rate (configuration, so a bad one is a startup error, not a client's 4xx). */
export function pointRate(moneyMinor: bigint, points: bigint): PointRate {
  if (moneyMinor <= 0n || points <= 0n) {
    throw new Error(
      `a point rate needs a positive price and a positive number of points, got ${moneyMinor}/${points}`,
    );
  }
  return { moneyMinor, points };
}

/**
 * Reads a rate from configuration text `"<price>/<points>"`, e.g. `"1.00/100"` (100 points cost
 * 1.00) or `"0.01/3"`. The price is a decimal with at most 2 fraction digits (MONEY_SCALE).
 */
export function parsePointRate(text: string): PointRate {
  const match = /^\s*(?<price>[0-9.]+)\s*\/\s*(?<points>[0-9]+)\s*$/.exec(text);
  if (!match?.groups?.price || !match.groups.points) {
    throw new Error(`a point rate is written "<price>/<points>", e.g. "1.00/100"; got "${text}"`);
  }
  let moneyMinor: bigint;
  try {
    moneyMinor = parseAmountMinor(match.groups.price);
  } catch (error) {
    throw new Error(`the price in point rate "${text}" is not a positive amount`, { cause: error });
  }
  return pointRate(moneyMinor, BigInt(match.groups.points));
}

/** The rate as configuration text, the inverse of {@link parsePointRate}. */
export const formatPointRate = (rate: PointRate): string => `${formatMinor(rate.moneyMinor)}/${rate.points}`;

/** A client's number of points: a positive whole number within {@link POINTS_PER_REQUEST_MAX}. */
export function checkPoints(points: bigint): bigint {
  if (points <= 0n) throw new DomainError('invalid_amount', 'Points must be a whole number greater than 0.');
  if (points > POINTS_PER_REQUEST_MAX) {
    throw new DomainError('invalid_amount', `Points must be at most ${POINTS_PER_REQUEST_MAX.toString()}.`);
  }
  return points;
}

const ceilDiv = (numerator: bigint, denominator: bigint): bigint =>
  (numerator + denominator - 1n) / denominator;

/** What a buyer pays for `points` points, in minor units, rounded UP. Always > 0 for points > 0. */
export function priceOfPointsMinor(points: bigint, rate: PointRate): bigint {
  return ceilDiv(checkPoints(points) * rate.moneyMinor, rate.points);
}

/** What `points` points cover when spent with cash, in minor units, rounded DOWN (may be 0). */
export function pointsValueMinor(points: bigint, rate: PointRate): bigint {
  return (checkPoints(points) * rate.moneyMinor) / rate.points;
}

/** How many points `moneyMinor` buys, rounded DOWN. */
export function pointsForMoneyMinor(moneyMinor: bigint, rate: PointRate): bigint {
  if (moneyMinor < 0n) throw new DomainError('invalid_amount', 'Amount must not be negative.');
  return (moneyMinor * rate.points) / rate.moneyMinor;
}

/** An order's price split into what the points cover and what the payment provider collects. */
export interface OrderSplit {
  points: bigint;
  pointsValueMinor: bigint;
  cashMinor: bigint;
}

/**
 * Splits an order's price: the points cover their value (rounded down), the rest is cash. Points
 * worth more than the price are refused rather than silently spent for nothing; a split with no
 * cash left (`cashMinor === 0n`) is valid and needs no payment intent.
 */
export function splitOrder(priceMinor: bigint, points: bigint, rate: PointRate): OrderSplit {
  if (priceMinor <= 0n) throw new DomainError('invalid_amount', 'Amount must be greater than 0.');
  const covered = pointsValueMinor(points, rate);
  if (covered > priceMinor) {
    throw new DomainError(
      'invalid_amount',
      `${points} points are worth ${formatMinor(covered)}, more than the amount ${formatMinor(priceMinor)}; use fewer points.`,
    );
  }
  return { points, pointsValueMinor: covered, cashMinor: priceMinor - covered };
}
