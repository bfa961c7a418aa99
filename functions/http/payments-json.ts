import type { PaymentResult } from '#app/payments.ts';
import { formatMinor } from '#domain/money.ts';
import { type Hold, orderStatus, type Payment, type RecordedEvent } from '#domain/wallet.ts';
import type { StoredResponse } from '#ports/event-store.ts';
import type { CreatedIntent } from '#ports/payment-provider.ts';
import type { HttpResult } from './problem.ts';
import { HttpProblem } from './problem.ts';
import { tradeAnswer } from './trading-json.ts';

const iso = (ms: number) => JSON.stringify(new Date(ms).toISOString());
const money = (minor: bigint, currency: string) =>
  `{"asset":"money","amount":${formatMinor(minor)},"currency":${JSON.stringify(currency)}}`;

/** What the buyer's client does next: confirm with the client secret, or go to the URL. */
const actionJson = (intent: CreatedIntent) =>
  intent.customerAction.kind === 'client-secret'
    ? `"clientSecret":${JSON.stringify(intent.customerAction.clientSecret)}`
    : `"redirectUrl":${JSON.stringify(intent.customerAction.redirectUrl)}`;

/** A payment's fields (the object without its closing brace, so callers may add members). */
export function paymentFields(wallet: string, payment: Payment): string {
  return (
    `{"paymentId":${JSON.stringify(payment.paymentId)},"wallet":${JSON.stringify(wallet)},` +
    `"purpose":"${payment.purpose}","status":"${payment.status}","points":${payment.points},` +
    `"amount":${money(payment.amountMinor, payment.currency)},"provider":${JSON.stringify(payment.provider)},` +
    `"createdAt":${iso(payment.requestedAtMs)}` +
    (payment.settledAtMs === undefined ? '' : `,"settledAt":${iso(payment.settledAtMs)}`) +
    (payment.refundDue ? ',"refundDue":true' : '') +
    refundedJson(payment)
  );
}

/** What refunds gave back (cash) and took back (points), once there was one. */
const refundedJson = (payment: Payment) =>
  payment.refunded === undefined
    ? ''
    : `,"refunded":{"amount":${money(payment.refunded.amountMinor, payment.currency)},"points":${payment.refunded.points}}`;

/** `POST /payments`'s 201, stored with the key (the client secret with it, as Stripe replays it). */
export const paymentResponse =
  (wallet: string) =>
  (payment: Payment, intent: CreatedIntent): StoredResponse => ({
    statusCode: 201,
    body: `${paymentFields(wallet, payment)},${actionJson(intent)}}`,
  });

/** An order's fields (without the closing brace), its status read at `nowMs`. */
export function orderFields(
  wallet: string,
  payment: Payment,
  holdStatus: Hold['status'] | undefined,
  nowMs: number,
): string {
  const { order } = payment;
  if (order === undefined) throw new Error('orderFields: the payment is not an order');
  const status = orderStatus(payment, holdStatus, order.expiresAtMs, nowMs);
  return (
    `{"orderId":${JSON.stringify(payment.paymentId)},"paymentId":${JSON.stringify(payment.paymentId)},` +
    `"wallet":${JSON.stringify(wallet)},"merchant":${JSON.stringify(order.merchant)},` +
    `"amount":${money(order.priceMinor, payment.currency)},"points":${payment.points},` +
    `"pointsValue":${money(order.pointsValueMinor, payment.currency)},"cash":${money(payment.amountMinor, payment.currency)},` +
    `"status":"${status}","paymentStatus":"${payment.status}","expiresAt":${iso(order.expiresAtMs)}` +
    (payment.refundDue ? ',"refundDue":true' : '') +
    refundedJson(payment)
  );
}

/** `POST /orders`'s 201. */
export const orderResponse =
  (wallet: string, nowMs: number) =>
  (payment: Payment, intent: CreatedIntent): StoredResponse => ({
    statusCode: 201,
    body: `${orderFields(wallet, payment, 'active', nowMs)},${actionJson(intent)}}`,
  });

const historyJson = (history: readonly RecordedEvent[]) =>
  JSON.stringify(
    history.map((event) => ({
      eventId: event.eventId,
      type: event.type,
      walletId: event.walletId,
      recordedAt: new Date(event.recordedAtMs).toISOString(),
    })),
  );

/** `POST /payments/{payment_id}/refund`'s 200: the payment as the refund left it. */
export const refundResponse = (wallet: string, payment: Payment): StoredResponse => ({
  statusCode: 200,
  body: `${paymentFields(wallet, payment)}}`,
});

/** `GET /payments/{payment_id}`: the payment and the events that are its story. */
export const paymentWithHistoryJson = (wallet: string, payment: Payment, history: readonly RecordedEvent[]) =>
  `${paymentFields(wallet, payment)},"history":${historyJson(history)}}`;

/** `GET /orders/{order_id}`. */
export const orderWithHistoryJson = (
  found: { wallet: string; payment: Payment; hold?: Hold; history: readonly RecordedEvent[] },
  nowMs: number,
) =>
  `${orderFields(found.wallet, found.payment, found.hold?.status, nowMs)},"history":${historyJson(found.history)}}`;

/** A payment or order write's answer; the provider's failure as 502 (it refused) or 503 (unreachable). */
export function paymentAnswer(result: PaymentResult): HttpResult {
  if (result.kind !== 'provider-failed') return tradeAnswer(result);
  const refused = result.error.kind === 'rejected';
  throw new HttpProblem({
    status: refused ? 502 : 503,
    code: refused ? 'payment-provider-refused' : 'payment-provider-unavailable',
    title: refused ? 'Bad gateway' : 'Service unavailable',
    detail: refused
      ? 'The payment provider refused to create the payment; nothing was recorded.'
      : 'The payment provider could not be reached; nothing was recorded. Retry with the same Idempotency-Key.',
    ...(refused ? {} : { headers: { 'retry-after': '1' } }),
  });
}
