import { FAST_DATA_KEYS, FAST_READERS } from './event-item-fast.ts';
import { bigInt, safeInt, text } from './fast-attributes.ts';

/**
 * The event item's fast path (event-item-fast.ts) for the payment events, which the payment
 * webhook adds to it (composition/payment-webhook.ts): the shapes of
 * payment-event-items.ts checked field by field, as the schema reads them. A payment's wallet holds
 * them and those functions' first call reads them; one is enough to send a cold start's read down
 * the schema path (its lazy chunk and ~140 schemas built, 5-7 ms CPU). Not in every function's
 * bundle: the others meet them rarely, and some bundles are at their size goal.
 */

/**
 * A `data` field as the schema (payment-event-items.ts) reads it: text, a bigint, a safe integer, a
 * boolean, one of some texts, or an object of fields; a field marked optional may be absent (or
 * undefined: then left out, as the schema path leaves it).
 */
type Kind = 't' | 'b' | 'i' | 'f' | readonly string[] | Fields | ((value: unknown) => unknown);
export type Fields = readonly (readonly [name: string, kind: Kind, optional?: 1])[];

function field(value: unknown, kind: Kind): unknown {
  // A reader of another module's own (card-event-fast.ts): not carried by the webhook's bundle.
  if (typeof kind === 'function') return kind(value);
  if (kind === 't') return text(value);
  if (kind === 'b') return bigInt(value);
  if (kind === 'i') return safeInt(value);
  if (kind === 'f') return typeof value === 'boolean' ? value : undefined;
  if (typeof kind[0] === 'string')
    return (kind as readonly string[]).includes(value as string) ? value : undefined;
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? fields(value as Record<string, unknown>, kind as Fields)
    : undefined;
}

/** `data` read by `spec`; undefined for a key it does not name or a field that does not check out. */
function fields(data: Record<string, unknown>, spec: Fields): Record<string, unknown> | undefined {
  for (const key in data) if (!spec.some(([name]) => name === key)) return undefined;
  const read: Record<string, unknown> = {};
  for (const [name, kind, optional] of spec) {
    const value = data[name];
    if (value === undefined && optional) continue;
    const checked = field(value, kind);
    if (checked === undefined) return undefined;
    read[name] = checked;
  }
  return read;
}

/**
 * The payments' request and success: a payment's wallet holds them, and the webhook's
 * first call reads them (one is enough to send a read down the schema path, 5-7 ms CPU at a cold
 * start). Failures and refunds, rarer, take the schema.
 */
const SPECS: Record<string, Fields> = {
  PaymentRequested: [
    ['paymentId', 't'],
    ['purpose', ['points-purchase', 'order']],
    ['points', 'b'],
    ['amountMinor', 'b'],
    ['currency', 't'],
    ['provider', 't'],
    ['paymentIntentId', 't'],
    ['occurredAtMs', 'i'],
    [
      'order',
      [
        ['merchant', 't'],
        ['priceMinor', 'b'],
        ['pointsValueMinor', 'b'],
        ['holdId', 't'],
        ['expiresAtMs', 'i'],
      ],
      1,
    ],
  ],
  PaymentSucceeded: [
    ['paymentId', 't'],
    ['provider', 't'],
    ['providerEventId', 't'],
    ['amountMinor', 'b'],
    ['currency', 't'],
    ['points', 'b'],
    ['occurredAtMs', 'i'],
    ['refundDue', 'f', 1],
  ],
};

/** Adds these events to the event item's fast path (once is enough; again changes nothing). */
export function readFast(specs: Record<string, Fields>): void {
  for (const type in specs) {
    const spec = specs[type] as Fields;
    FAST_READERS[type] = (data) => fields(data, spec);
    FAST_DATA_KEYS[type] = new Set(spec.map(([name]) => name));
  }
}

/** Adds the payment events to the event item's fast path. */
export const readPaymentEventsFast = (): void => readFast(SPECS);
