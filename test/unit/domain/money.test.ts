import { describe, expect, it } from 'vitest';
import { DomainError } from '#domain/errors.ts';
import { AMOUNT_MAJOR_MAX, formatMinor, MONEY_SCALE, parseAmountMinor } from '#domain/money.ts';

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

describe('parseAmountMinor', () => {
  it('has scale 2 and a limit of 1,000,000,000,000 major units', () => {
    expect(MONEY_SCALE).toBe(2);
    expect(AMOUNT_MAJOR_MAX).toBe(1_000_000_000_000n);
  });

  it.each<[unknown, bigint]>([
    [8000, 800_000n],
    ['8000', 800_000n],
    ['0.1', 10n],
    [0.1, 10n],
    [0.2, 20n],
    [0.01, 1n],
    ['0.01', 1n],
    ['0.10', 10n],
    [12.5, 1_250n],
    ['2000.01', 200_001n],
    ['007', 700n],
    [1_000_000_000_000, 100_000_000_000_000n],
    ['1000000000000', 100_000_000_000_000n],
    ['1000000000000.00', 100_000_000_000_000n],
    [999_999_999_999.99, 99_999_999_999_999n],
  ])('accepts %o as %s minor units', (input, expected) => {
    expect(parseAmountMinor(input)).toBe(expected);
  });

  it('sums 0.1 and 0.2 deposited separately to exactly 30 minor units', () => {
    expect(parseAmountMinor(0.1) + parseAmountMinor(0.2)).toBe(30n);
  });

  it('rejects the float 0.1 + 0.2 (0.30000000000000004) instead of rounding it', () => {
    expect(rejection(() => parseAmountMinor(0.1 + 0.2)).code).toBe('invalid_amount');
  });

  it('rejects 1.234 with a "never rounded" reason rather than rounding to 123', () => {
    const error = rejection(() => parseAmountMinor(1.234));
    expect(error.code).toBe('invalid_amount');
    expect(error.detail).toBe(
      'Amount has 3 fraction digits; at most 2 are allowed (amounts are never rounded).',
    );
    expect(rejection(() => parseAmountMinor('1.234')).code).toBe('invalid_amount');
  });

  it.each<[string, unknown]>([
    ['zero', 0],
    ['string zero', '0'],
    ['zero with fraction', '0.00'],
    ['negative zero', -0],
    ['"-0"', '-0'],
    ['negative', -5],
    ['negative string', '-5'],
    ['"abc"', 'abc'],
    ['1e13 (over the limit)', 1e13],
    ['"1e3" (exponent form in a string)', '1e3'],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['true', true],
    ['null', null],
    ['undefined', undefined],
    ['an object', { amount: 1 }],
    ['a bigint', 5n],
    ['empty string', ''],
    ['blank string', '   '],
    ['"+5"', '+5'],
    ['".5"', '.5'],
    ['"5."', '5.'],
    ['"1,000"', '1,000'],
    ['"0x10"', '0x10'],
    ['1e-7 (too precise)', 1e-7],
    ['5e-324', 5e-324],
    ['1e21', 1e21],
    ['1000000000000.01 (just over the limit)', 1_000_000_000_000.01],
    ['"1000000000000.01"', '1000000000000.01'],
    ['"1000000000001"', '1000000000001'],
  ])('rejects %s with code invalid_amount', (_name, input) => {
    expect(rejection(() => parseAmountMinor(input)).code).toBe('invalid_amount');
  });

  it('reports the limit when the amount is too large', () => {
    expect(rejection(() => parseAmountMinor(1e13)).detail).toBe('Amount must be at most 1000000000000.');
  });

  it.each([[' 5'], ['5 '], ['  12.5 '], ['\t12.5\n'], ['12 .5']])(
    'refuses the string amount %j: blanks anywhere are a malformed amount, never trimmed (issue 15)',
    (input) => {
      expect(rejection(() => parseAmountMinor(input)).code).toBe('invalid_amount');
    },
  );

  it('says the blanks are the problem', () => {
    expect(rejection(() => parseAmountMinor(' 5')).detail).toBe(
      'Amount " 5" has blanks around it; send the decimal alone, e.g. "5".',
    );
  });

  it('truncates a long invalid input in the detail', () => {
    const detail = rejection(() => parseAmountMinor('x'.repeat(100))).detail;
    expect(detail).toBe(`Amount "${'x'.repeat(40)}…" is not a decimal number.`);
  });

  it('honours another scale', () => {
    expect(parseAmountMinor('1.234', 3)).toBe(1_234n);
    expect(parseAmountMinor('7', 0)).toBe(7n);
    expect(rejection(() => parseAmountMinor('7.5', 0)).code).toBe('invalid_amount');
  });
});

describe('formatMinor', () => {
  it.each<[bigint, string]>([
    [800_000n, '8000'],
    [30n, '0.3'],
    [5n, '0.05'],
    [0n, '0'],
    [1n, '0.01'],
    [10n, '0.1'],
    [100n, '1'],
    [123_456n, '1234.56'],
    [200_001n, '2000.01'],
    [100_000_000_000_000n, '1000000000000'],
    [-5n, '-0.05'],
    [-123_400n, '-1234'],
  ])('formats %s minor units as %s', (minor, expected) => {
    expect(formatMinor(minor)).toBe(expected);
  });

  it('gives the text of a JSON number that parses back to the same amount', () => {
    for (const minor of [1n, 30n, 99n, 1_250n, 800_000n, 99_999_999_999_999n]) {
      const text = formatMinor(minor);
      expect(parseAmountMinor(JSON.parse(text))).toBe(minor);
      expect(parseAmountMinor(text)).toBe(minor);
    }
  });

  it('honours another scale', () => {
    expect(formatMinor(1_234n, 3)).toBe('1.234');
    expect(formatMinor(7n, 0)).toBe('7');
  });
});
