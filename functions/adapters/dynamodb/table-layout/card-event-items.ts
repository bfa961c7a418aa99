import * as z from 'zod/mini';
import { bigintAttr, numberAttr } from './attributes.ts';

/**
 * The stored shapes of a card account's events (domain/card/events.ts), one per type, joined to
 * the event item schema (event-item.ts) with the common item fields.
 */
export const cardEventItemSchemas = <Base extends z.core.$ZodShape>(base: Base) =>
  [
    z.object({
      ...base,
      type: z.literal('AccountOpened'),
      data: z.object({ creditLimit: bigintAttr, currency: z.string(), occurredAtMs: numberAttr }),
    }),
    z.object({
      ...base,
      type: z.literal('CreditLimitChanged'),
      data: z.object({ creditLimit: bigintAttr, previous: bigintAttr, occurredAtMs: numberAttr }),
    }),
    z.object({
      ...base,
      type: z.literal('AuthorizationDecided'),
      data: z.object({
        authorizationId: z.string(),
        amount: bigintAttr,
        currency: z.string(),
        merchant: z.object({ id: z.string(), name: z.optional(z.string()), mcc: z.string() }),
        decision: z.enum(['approved', 'declined']),
        reasons: z.array(z.string()),
        ruleSetVersion: numberAttr,
        available: bigintAttr,
        expiresAtMs: numberAttr,
        occurredAtMs: numberAttr,
      }),
    }),
    z.object({
      ...base,
      type: z.literal('PaymentSubmitted'),
      data: z.object({ paymentId: z.string(), amount: bigintAttr, occurredAtMs: numberAttr }),
    }),
    z.object({
      ...base,
      type: z.literal('PaymentReturned'),
      data: z.object({
        paymentId: z.string(),
        amount: bigintAttr,
        reason: z.string(),
        occurredAtMs: numberAttr,
      }),
    }),
    z.object({
      ...base,
      type: z.literal('PaymentReturnParked'),
      data: z.object({ paymentId: z.string(), reason: z.string(), occurredAtMs: numberAttr }),
    }),
  ] as const;
