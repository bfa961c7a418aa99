import * as z from 'zod';
import { cursor, isoTime, orderFields, paymentFields } from './money-routes.ts';
import { page } from './params.ts';
import type { RouteContract, RouteKey } from './types.ts';

/**
 * A wallet's payments and orders as lists, and refunds (app/refunds.ts): beside money-routes.ts,
 * whose payment and order shapes they reuse. The JSON is written by payment-list-json.ts and
 * payments-json.ts.
 */

const updatedAt = isoTime.describe('when the last event that changed it happened');
const walletPayments = z
  .strictObject({
    walletId: z.string(),
    payments: z.array(z.strictObject({ ...paymentFields, updatedAt })),
    nextCursor: cursor,
  })
  .meta({ id: 'WalletPayments' });
const walletOrders = z
  .strictObject({
    walletId: z.string(),
    orders: z.array(z.strictObject({ ...orderFields, createdAt: isoTime, updatedAt })),
    nextCursor: cursor,
  })
  .meta({ id: 'WalletOrders' });
const listingDescription =
  'Newest first, from an index written in the transaction of each event that changes a payment (never a scan of the audit trail). A wallet with none answers an empty list. Follow `nextCursor` until it is null.';

export const PAYMENT_LIST_ROUTE_CONTRACTS: Readonly<Partial<Record<RouteKey, RouteContract>>> = {
  'POST /payments/{payment_id}/refund': {
    tag: 'payments',
    summary: 'Refund what is left of a payment (a points purchase takes its points back)',
    description:
      "Decided before the provider is asked: a points purchase's points are taken back only if they are available (409 `correction-below-floor`, naming the shortfall, and the provider is not asked). An order gives back its cash only (its points went to the merchant). Once per `Idempotency-Key`; a payment refunded already answers as it stands.",
    idempotencyKey: 'required',
    responses: { 200: { description: 'Refunded', schema: z.strictObject(paymentFields) } },
    problems: [
      'missing-idempotency-key',
      'idempotency-key-reused',
      'payment-not-found',
      'payment-not-refundable',
      'correction-below-floor',
      'payment-mismatch',
      'payment-provider-refused',
      'payment-provider-unavailable',
      'forbidden-wallet',
      'contended',
    ],
  },
  'GET /wallets/{wallet_id}/payments': {
    tag: 'payments',
    summary: "A wallet's points purchases, newest first",
    description: listingDescription,
    query: { ...page },
    responses: { 200: { description: 'A page of payments', schema: walletPayments } },
    problems: ['invalid-wallet-id', 'invalid-limit', 'invalid-cursor', 'forbidden-wallet'],
  },
  'GET /wallets/{wallet_id}/orders': {
    tag: 'payments',
    summary: "A wallet's orders (points plus cash), newest first",
    description: listingDescription,
    query: { ...page },
    responses: { 200: { description: 'A page of orders', schema: walletOrders } },
    problems: ['invalid-wallet-id', 'invalid-limit', 'invalid-cursor', 'forbidden-wallet'],
  },
};
