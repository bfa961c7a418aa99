import * as z from 'zod/mini';
import type { PaymentListing } from '#ports/payment-index.ts';
import { bigintAttr, numberAttr } from './attributes.ts';
import { walletPk } from './keys.ts';

/**
 * A wallet's payment listing (ports/payment-index.ts): one item per payment in the wallet's own
 * partition, sorted by creation time so a Query read backwards gives the newest first. The sort
 * key never starts with EVENT#, so event queries and the stream filter do not see it.
 *
 * | item    | pk          | sk                                                              |
 * |---------|-------------|-----------------------------------------------------------------|
 * | payment | WALLET#<id> | PAYMENT#<purpose>#<createdAtMs, 15 digits>#<paymentId>           |
 *
 * Its key is fixed by what never changes (purpose, creation time, id), so each event that moves
 * the payment puts the whole item over the last one.
 */
export const paymentSkPrefix = (purpose: string): string => `PAYMENT#${purpose}#`;
export const paymentSk = (listing: Pick<PaymentListing, 'purpose' | 'createdAtMs' | 'paymentId'>): string =>
  `${paymentSkPrefix(listing.purpose)}${String(listing.createdAtMs).padStart(15, '0')}#${listing.paymentId}`;

export const paymentKey = (listing: PaymentListing): { pk: string; sk: string } => ({
  pk: walletPk(listing.walletId),
  sk: paymentSk(listing),
});

// Built on the first read, not at import: a module-level zod/mini schema is kept in every bundle
// that imports its module, and every writer imports this one for its item writer alone.
let paymentItemSchema: ReturnType<typeof buildPaymentItemSchema> | undefined;
function buildPaymentItemSchema() {
  return z.object({
    sk: z.string(),
    walletId: z.string(),
    paymentId: z.string(),
    purpose: z.enum(['points-purchase', 'order']),
    status: z.enum(['pending', 'succeeded', 'failed', 'canceled']),
    points: bigintAttr,
    amountMinor: bigintAttr,
    currency: z.string(),
    provider: z.string(),
    createdAtMs: numberAttr,
    updatedAtMs: numberAttr,
    settledAtMs: z.optional(numberAttr),
    refundDue: z.optional(z.boolean()),
    refundedPoints: z.optional(bigintAttr),
    refundedMinor: z.optional(bigintAttr),
    merchant: z.optional(z.string()),
    priceMinor: z.optional(bigintAttr),
    pointsValueMinor: z.optional(bigintAttr),
    expiresAtMs: z.optional(numberAttr),
    holdEnded: z.optional(z.boolean()),
  });
}

export function toPaymentItem(listing: PaymentListing): Record<string, unknown> {
  const { order, refunded, refundDue } = listing;
  return {
    ...paymentKey(listing),
    kind: 'payment',
    walletId: listing.walletId,
    paymentId: listing.paymentId,
    purpose: listing.purpose,
    status: listing.status,
    points: listing.points,
    amountMinor: listing.amountMinor,
    currency: listing.currency,
    provider: listing.provider,
    createdAtMs: listing.createdAtMs,
    updatedAtMs: listing.updatedAtMs,
    ...(listing.settledAtMs === undefined ? {} : { settledAtMs: listing.settledAtMs }),
    ...(refundDue ? { refundDue: true } : {}),
    ...(refunded === undefined
      ? {}
      : { refundedPoints: refunded.points, refundedMinor: refunded.amountMinor }),
    ...(order === undefined
      ? {}
      : {
          merchant: order.merchant,
          priceMinor: order.priceMinor,
          pointsValueMinor: order.pointsValueMinor,
          expiresAtMs: order.expiresAtMs,
          ...(order.holdEnded ? { holdEnded: true } : {}),
        }),
  };
}

export function fromPaymentItem(item: unknown): PaymentListing & { sk: string } {
  paymentItemSchema ??= buildPaymentItemSchema();
  const parsed = paymentItemSchema.parse(item);
  const order =
    parsed.merchant === undefined ||
    parsed.priceMinor === undefined ||
    parsed.pointsValueMinor === undefined ||
    parsed.expiresAtMs === undefined
      ? undefined
      : {
          merchant: parsed.merchant,
          priceMinor: parsed.priceMinor,
          pointsValueMinor: parsed.pointsValueMinor,
          expiresAtMs: parsed.expiresAtMs,
          ...(parsed.holdEnded ? { holdEnded: true } : {}),
        };
  return {
    sk: parsed.sk,
    walletId: parsed.walletId,
    paymentId: parsed.paymentId,
    purpose: parsed.purpose,
    status: parsed.status,
    points: parsed.points,
    amountMinor: parsed.amountMinor,
    currency: parsed.currency,
    provider: parsed.provider,
    createdAtMs: parsed.createdAtMs,
    updatedAtMs: parsed.updatedAtMs,
    ...(parsed.settledAtMs === undefined ? {} : { settledAtMs: parsed.settledAtMs }),
    ...(parsed.refundDue ? { refundDue: true } : {}),
    ...(parsed.refundedPoints === undefined || parsed.refundedMinor === undefined
      ? {}
      : { refunded: { points: parsed.refundedPoints, amountMinor: parsed.refundedMinor } }),
    ...(order === undefined ? {} : { order }),
  };
}
