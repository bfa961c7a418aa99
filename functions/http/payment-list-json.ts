import * as z from 'zod/mini';
import type { Payment, PaymentPurpose } from '#domain/wallet.ts';
import type { PaymentIndex, PaymentListing, PaymentListPage } from '#ports/payment-index.ts';
import type { HttpRequest } from './handler.ts';
import { orderFields, paymentFields } from './payments-json.ts';
import { badRequest, type HttpResult, jsonResult } from './problem.ts';
import { decodeCursorWith, parseLimit } from './query.ts';

/**
 * `GET /wallets/{wallet_id}/payments` and `…/orders`: one page of the wallet's payment listing
 * (ports/payment-index.ts), newest first. Each line is what `GET /payments/{id}` or
 * `GET /orders/{id}` answers (written by the same functions), without the history, plus
 * `createdAt`/`updatedAt`.
 */

/** The cursor names the listing it came from, so a payments cursor is not taken by `/orders`. */
const cursorSchema = z.strictObject({
  p: z.enum(['points-purchase', 'order']),
  a: z.string().check(z.minLength(1)),
});

export function paymentListQuery(
  query: Readonly<Record<string, string | undefined>>,
  purpose: PaymentPurpose,
): { limit: number; after?: string } {
  const limit = parseLimit(query.limit);
  if (query.cursor === undefined) return { limit };
  const cursor = decodeCursorWith(cursorSchema, query.cursor);
  if (cursor.p !== purpose) {
    throw badRequest('invalid-cursor', 'cursor belongs to the other listing (payments or orders).');
  }
  return { limit, after: cursor.a };
}

/** The listing as the Payment the single-payment answers are written from. */
const asPayment = (listing: PaymentListing): Payment => ({
  paymentId: listing.paymentId,
  purpose: listing.purpose,
  points: listing.points,
  amountMinor: listing.amountMinor,
  currency: listing.currency,
  provider: listing.provider,
  paymentIntentId: '',
  status: listing.status,
  requestedAtMs: listing.createdAtMs,
  providerEventIds: [],
  ...(listing.settledAtMs === undefined ? {} : { settledAtMs: listing.settledAtMs }),
  ...(listing.refundDue ? { refundDue: true } : {}),
  ...(listing.refunded === undefined ? {} : { refunded: listing.refunded }),
  ...(listing.order === undefined ? {} : { order: { ...listing.order, holdId: listing.paymentId } }),
});

const updatedAt = (listing: PaymentListing) =>
  `,"updatedAt":${JSON.stringify(new Date(listing.updatedAtMs).toISOString())}}`;

function lineJson(listing: PaymentListing, nowMs: number): string {
  const payment = asPayment(listing);
  if (listing.order === undefined) return paymentFields(listing.walletId, payment) + updatedAt(listing);
  const holdStatus = listing.order.holdEnded ? 'released' : 'active';
  return (
    orderFields(listing.walletId, payment, holdStatus, nowMs) +
    `,"createdAt":${JSON.stringify(new Date(listing.createdAtMs).toISOString())}` +
    updatedAt(listing)
  );
}

export function paymentListJson(
  walletId: string,
  purpose: PaymentPurpose,
  page: PaymentListPage,
  nowMs: number,
): string {
  const nextCursor =
    page.next === undefined
      ? null
      : JSON.stringify(Buffer.from(JSON.stringify({ p: purpose, a: page.next })).toString('base64url'));
  const lines = page.payments.map((listing) => lineJson(listing, nowMs)).join(',');
  const name = purpose === 'order' ? 'orders' : 'payments';
  return `{"walletId":${JSON.stringify(walletId)},"${name}":[${lines}],"nextCursor":${nextCursor ?? 'null'}}`;
}

/** The route: one index query (bounded by `limit`), never the wallet's log. */
export async function listPayments(
  deps: { listings: PaymentIndex; clock: { nowMs(): number } },
  walletId: string,
  purpose: PaymentPurpose,
  request: Pick<HttpRequest, 'query'>,
): Promise<HttpResult> {
  const { limit, after } = paymentListQuery(request.query, purpose);
  const page = await deps.listings.listPayments({
    walletId,
    purpose,
    limit,
    ...(after === undefined ? {} : { after }),
  });
  return jsonResult(200, paymentListJson(walletId, purpose, page, deps.clock.nowMs()));
}
