import { DomainError } from './errors.ts';

/**
 * Exact money. Amounts are integers in minor units (`bigint`), never binary floats.
 * The scale (fraction digits) is explicit and 2 by default, so `"0.1"` is `10n` minor units.
 */
export const MONEY_SCALE = 2;
/** The largest single amount a client may send: 1,000,000,000,000 major units. */
export const AMOUNT_MAJOR_MAX = 1_000_000_000_000n;

const DECIMAL = /^(?<whole>\d+)(?:\.(?<fraction>\d+))?$/;

/**
 * Parses a client amount — a JSON number or a decimal string — into minor units.
 * More fraction digits than the scale is an error, never a rounding.
 *
 * A JSON number reaches us as a float; `String(n)` gives its shortest round-trip decimal form,
 * which is exact for every value the limits allow (at most 15 significant digits).
 */
export function parseAmountMinor(input: unknown, scale: number = MONEY_SCALE): bigint {
  let text: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new DomainError('invalid_amount', 'Amount must be a finite number.');
    text = numberToPlainDecimal(input);
  } else if (typeof input === 'string') {
    // Not trimmed: " 5" is a malformed amount (a template or a copy gone wrong), not 5.
    if (input !== input.trim()) {
      throw new DomainError(
        'invalid_amount',
        `Amount "${truncate(input)}" has blanks around it; send the decimal alone, e.g. "5".`,
      );
    }
    text = input;
  } else {
    throw new DomainError('invalid_amount', 'Amount must be a JSON number or a decimal string.');
  }
  if (text.startsWith('-')) throw new DomainError('invalid_amount', 'Amount must be greater than 0.');
  const match = DECIMAL.exec(text);
  if (!match?.groups) {
    throw new DomainError('invalid_amount', `Amount "${truncate(text)}" is not a decimal number.`);
  }
  const whole = match.groups.whole ?? '0';
  const fraction = match.groups.fraction ?? '';
  if (fraction.length > scale) {
    throw new DomainError(
      'invalid_amount',
      `Amount has ${fraction.length} fraction digits; at most ${scale} are allowed (amounts are never rounded).`,
    );
  }
  const minor = BigInt(whole) * 10n ** BigInt(scale) + BigInt(fraction.padEnd(scale, '0') || '0');
  if (minor <= 0n) throw new DomainError('invalid_amount', 'Amount must be greater than 0.');
  if (minor > AMOUNT_MAJOR_MAX * 10n ** BigInt(scale)) {
    throw new DomainError('invalid_amount', `Amount must be at most ${AMOUNT_MAJOR_MAX.toString()}.`);
  }
  return minor;
}

/**
 * Renders minor units as the text of a JSON number in major units: `800000n` → `8000`,
 * `30n` → `0.3`. Trailing fraction zeros are dropped so whole amounts stay integers.
 */
export function formatMinor(minor: bigint, scale: number = MONEY_SCALE): string {
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

function numberToPlainDecimal(value: number): string {
  const text = String(value);
  if (!/e/i.test(text)) return text;
  // Exponent forms (1e21, 1e-7) are outside the allowed range or precision; spell them out so
  // the range and fraction checks give the precise reason.
  const [mantissa = '0', exponentText = '0'] = text.toLowerCase().split('e');
  const exponent = Number(exponentText);
  const [intPart = '0', fracPart = ''] = mantissa.replace('-', '').split('.');
  const digits = intPart + fracPart;
  const point = intPart.length + exponent;
  const sign = value < 0 ? '-' : '';
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

const truncate = (text: string): string => (text.length > 40 ? `${text.slice(0, 40)}…` : text);

/**
 * An asset's amount as exact JSON number text: money in decimal (from minor units), points whole.
 * The one writer of asset amounts, for API answers and published events alike.
 */
export const formatAssetAmount = (asset: 'money' | 'points', amount: bigint): string =>
  asset === 'money' ? formatMinor(amount) : amount.toString();
