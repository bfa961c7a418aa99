import * as z from 'zod/mini';
import { bigintAttr, numberAttr } from './attributes.ts';

/**
 * The stored shapes of the payment events (domain/wallet/payment-types.ts), spread into the event
 * item's schema (event-item.ts) beside the others. `base` is that file's common item fields.
 */
const orderTerms = z.object({
  merchant: z.string(),
  priceMinor: bigintAttr,
  pointsValueMinor: bigintAttr,
  holdId: z.string(),
  expiresAtMs: numberAttr,
});

export const paymentEventItemSchemas = <Base extends z.core.$ZodShape>(base: Base) =>
  [
    z.object({
      ...base,
      type: z.literal('PaymentRequested'),
      data: z.object({
        paymentId: z.string(),
        purpose: z.enum(['points-purchase', 'order']),
        points: bigintAttr,
        amountMinor: bigintAttr,
        currency: z.string(),
        provider: z.string(),
        paymentIntentId: z.string(),
        occurredAtMs: numberAttr,
        order: z.optional(orderTerms),
      }),
    }),
    z.object({
      ...base,
      type: z.literal('PaymentSucceeded'),
      data: z.object({
        paymentId: z.string(),
        provider: z.string(),
        providerEventId: z.string(),
        amountMinor: bigintAttr,
        currency: z.string(),
        points: bigintAttr,
        occurredAtMs: numberAttr,
        refundDue: z.optional(z.boolean()),
      }),
    }),
    z.object({
      ...base,
      type: z.literal('PaymentFailed'),
      data: z.object({
        paymentId: z.string(),
        provider: z.string(),
        providerEventId: z.string(),
        reason: z.enum(['failed', 'canceled']),
        occurredAtMs: numberAttr,
      }),
    }),
    z.object({
      ...base,
      type: z.literal('PaymentRefunded'),
      data: z.object({
        paymentId: z.string(),
        provider: z.string(),
        providerRefundId: z.string(),
        amountMinor: bigintAttr,
        refundedTotalMinor: bigintAttr,
        currency: z.string(),
        points: bigintAttr,
        occurredAtMs: numberAttr,
      }),
    }),
  ] as const;
