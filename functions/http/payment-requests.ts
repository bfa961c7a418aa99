/**
 * The two payment writes as their use cases take them: the body and Idempotency-Key checked, the
 * key scoped to its route and client, the payload fingerprinted. `POST /payments` buys points;
 * `POST /payments/{payment_id}/refund` gives back what is left of one.
 */
import * as z from 'zod/mini';
import type { PaymentRequest } from '#app/payments.ts';
import type { RefundRequestInput } from '#app/refunds.ts';
import { checkPoints } from '#domain/pricing.ts';
import { parseAssetAmount } from '#domain/wallet.ts';
import { parseWalletId } from '#domain/wallet-id.ts';
import type { HttpRequest } from './handler.ts';
import { requestIdempotency } from './idempotency-scope.ts';
import { paymentResponse, refundResponse } from './payments-json.ts';
import { badRequest } from './problem.ts';
import { parseWith } from './request.ts';
import { amountField, requiredKey } from './trading-json.ts';

/** `POST /payments`'s body: the points to buy; the currency, when given, must be the ledger's. */
export const paymentBody = z.strictObject({
  wallet: z.string(),
  points: amountField,
  currency: z.optional(z.string().check(z.regex(/^[A-Za-z]{3}$/, 'an ISO 4217 code'))),
});

type Fingerprint = (value: unknown) => string;

/** `POST /payments`: the wallet and whole points, in the currency payments are taken in. */
export function purchaseRequest(
  request: HttpRequest,
  currency: string,
  fingerprint: Fingerprint,
): PaymentRequest & { points: bigint } {
  const body = parseWith(paymentBody, request.json());
  const key = requiredKey(request.event, 'POST /payments needs an Idempotency-Key header.');
  const wallet = parseWalletId(body.wallet);
  const points = checkPoints(parseAssetAmount('points', body.points));
  if (body.currency !== undefined && body.currency.toUpperCase() !== currency) {
    throw badRequest('unsupported-currency', `Payments are taken in ${currency}.`);
  }
  const payloadHash = fingerprint({ operation: 'payment', wallet, points });
  return {
    wallet,
    points,
    idempotency: requestIdempotency(request.event, 'payments', key, payloadHash),
    respond: paymentResponse(wallet),
  };
}

/** `POST /payments/{payment_id}/refund`: no body; the key names the refund. */
export function refundRequest(
  request: HttpRequest,
  paymentId: string,
  fingerprint: Fingerprint,
): RefundRequestInput {
  const key = requiredKey(
    request.event,
    'POST /payments/{payment_id}/refund needs an Idempotency-Key header.',
  );
  return {
    paymentId,
    idempotency: requestIdempotency(
      request.event,
      'refunds',
      key,
      fingerprint({ operation: 'refund', paymentId }),
    ),
    respond: refundResponse,
  };
}
