import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '#domain/errors.ts';
import {
  DEFAULT_POINT_RATE,
  formatPointRate,
  POINTS_PER_REQUEST_MAX,
  parsePointRate,
  pointRate,
  pointsForMoneyMinor,
  pointsValueMinor,
  priceOfPointsMinor,
  splitOrder,
} from '#domain/pricing.ts';

/** The DomainError thrown by `run`, or a failed assertion when it does not throw one. */
function rejection(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }
  throw new Error('expected a DomainError, nothing was thrown');
}

const threePerCent = pointRate(1n, 3n);

describe('point rates', () => {
  it('defaults to 100 points for 1.00', () => {
    expect(DEFAULT_POINT_RATE).toEqual({ moneyMinor: 100n, points: 100n });
  });

  it.each([
    ['1.00/100', 100n, 100n],
    ['0.01/3', 1n, 3n],
    [' 2.5 / 7 ', 250n, 7n],
    ['10/1', 1000n, 1n],
  ])('reads "%s"', (text, moneyMinor, points) => {
    const rate = parsePointRate(text);
    expect(rate).toEqual({ moneyMinor, points });
    expect(parsePointRate(formatPointRate(rate))).toEqual(rate);
  });

  it.each(['', '1.00', '1.00/0', '0/100', '-1/100', '1.001/100', 'abc/100', '1.00/1.5'])(
    'refuses "%s" as configuration',
    (text) => {
      expect(() => parsePointRate(text)).toThrow(/point rate/);
    },
  );
});

describe('buying points', () => {
  it('prices whole cents exactly at the default rate', () => {
    expect(priceOfPointsMinor(1000n, DEFAULT_POINT_RATE)).toBe(1000n);
    expect(priceOfPointsMinor(1n, DEFAULT_POINT_RATE)).toBe(1n);
  });

  it('rounds what the buyer pays UP to a whole minor unit', () => {
    expect(priceOfPointsMinor(3n, threePerCent)).toBe(1n);
    expect(priceOfPointsMinor(4n, threePerCent)).toBe(2n);
    expect(priceOfPointsMinor(1n, threePerCent)).toBe(1n);
    expect(priceOfPointsMinor(7n, pointRate(250n, 7n))).toBe(250n);
    expect(priceOfPointsMinor(1n, pointRate(250n, 7n))).toBe(36n); // 35.71… → 36
  });

  it('refuses zero, negative and too many points', () => {
    expect(rejection(() => priceOfPointsMinor(0n, DEFAULT_POINT_RATE)).code).toBe('invalid_amount');
    expect(rejection(() => priceOfPointsMinor(-5n, DEFAULT_POINT_RATE)).code).toBe('invalid_amount');
    expect(rejection(() => priceOfPointsMinor(POINTS_PER_REQUEST_MAX + 1n, DEFAULT_POINT_RATE)).code).toBe(
      'invalid_amount',
    );
  });

  it('stays exact far beyond a double (no float anywhere)', () => {
    const rate = pointRate(123_456_789n, 1_000_003n);
    const points = POINTS_PER_REQUEST_MAX;
    const exact = (points * 123_456_789n + 1_000_002n) / 1_000_003n;
    expect(priceOfPointsMinor(points, rate)).toBe(exact);
  });
});

describe('paying with points plus cash', () => {
  it('covers the points value rounded DOWN, so the cash part is rounded up', () => {
    expect(pointsValueMinor(4n, threePerCent)).toBe(1n);
    expect(splitOrder(12_000n, 500n, DEFAULT_POINT_RATE)).toEqual({
      points: 500n,
      pointsValueMinor: 500n,
      cashMinor: 11_500n,
    });
    expect(splitOrder(100n, 5n, threePerCent)).toEqual({ points: 5n, pointsValueMinor: 1n, cashMinor: 99n });
  });

  it('allows points that cover the whole price (no cash, no intent)', () => {
    expect(splitOrder(500n, 500n, DEFAULT_POINT_RATE).cashMinor).toBe(0n);
  });

  it('refuses points worth more than the price, and a price that is not positive', () => {
    expect(rejection(() => splitOrder(499n, 500n, DEFAULT_POINT_RATE)).detail).toMatch(
      /more than the amount/,
    );
    expect(rejection(() => splitOrder(0n, 1n, DEFAULT_POINT_RATE)).code).toBe('invalid_amount');
  });
});

const rates = fc
  .record({
    moneyMinor: fc.bigInt({ min: 1n, max: 1_000_000n }),
    points: fc.bigInt({ min: 1n, max: 1_000_000n }),
  })
  .map(({ moneyMinor, points }) => pointRate(moneyMinor, points));
const pointCounts = fc.bigInt({ min: 1n, max: POINTS_PER_REQUEST_MAX });

describe('pricing invariants', () => {
  it('the price paid always buys at least the points, and one minor unit less does not', () => {
    fc.assert(
      fc.property(rates, pointCounts, (rate, points) => {
        const price = priceOfPointsMinor(points, rate);
        expect(pointsForMoneyMinor(price, rate)).toBeGreaterThanOrEqual(points);
        expect(pointsForMoneyMinor(price - 1n, rate)).toBeLessThan(points);
      }),
    );
  });

  it('a split never asks more than the price, and rounds at most one unit in the platform’s favour', () => {
    fc.assert(
      fc.property(rates, pointCounts, fc.bigInt({ min: 1n, max: 10n ** 15n }), (rate, points, extra) => {
        const price = pointsValueMinor(points, rate) + extra;
        const split = splitOrder(price, points, rate);
        expect(split.pointsValueMinor + split.cashMinor).toBe(price);
        // value ≤ exact value < value + 1, i.e. value·rate.points ≤ points·money < (value+1)·rate.points
        expect(split.pointsValueMinor * rate.points).toBeLessThanOrEqual(points * rate.moneyMinor);
        expect((split.pointsValueMinor + 1n) * rate.points).toBeGreaterThan(points * rate.moneyMinor);
      }),
    );
  });
});
