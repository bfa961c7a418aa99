import { type Fields, readFast } from './event-data-specs.ts';

/**
 * The event item's fast path (event-item-fast.ts) for the payment events, which the payment
 * webhook adds to it (composition/payment-webhook.ts): the shapes of
 * payment-event-items.ts checked field by field, as the schema reads them. A payment's wallet holds
 * them and those functions' first call reads them; one is enough to send a cold start's read down
 * the schema path (its lazy chunk and ~140 schemas built, 5-7 ms CPU). Not in every function's
 * bundle: the others meet them rarely, and some bundles are at their size goal.
 */

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

/** Adds the payment events to the event item's fast path. */
export const readPaymentEventsFast = (): void => readFast(SPECS);
