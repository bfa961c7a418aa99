/**
 * `POST /orders`'s body and the order as `createOrder` takes it, in a module of its own: a
 * module-level schema with checks is kept in every bundle that imports its module, and only the
 * orders function (and the contract) parse it. As payment-requests.ts does for `POST /payments`.
 */
import * as z from 'zod/mini';
import type { OrderInput } from '#app/orders.ts';
import { parseAmountMinor } from '#domain/money.ts';
import { parseAssetAmount } from '#domain/wallet.ts';
import { parseWalletId } from '#domain/wallet-id.ts';
import type { HttpRequest } from './handler.ts';
import { requestIdempotency } from './idempotency-scope.ts';
import { orderResponse } from './payments-json.ts';
import { badRequest } from './problem.ts';
import { parseWith } from './request.ts';
import { amountField, DAY_SECONDS, expiresInSecondsField, requiredKey } from './trading-json.ts';

/** `POST /orders`'s body: the whole price (money), and how many points pay part of it. */
export const orderBody = z.strictObject({
  wallet: z.string(),
  merchant: z.string(),
  amount: amountField,
  points: amountField,
  currency: z.optional(z.string().check(z.regex(/^[A-Za-z]{3}$/, 'an ISO 4217 code'))),
  expiresInSeconds: expiresInSecondsField,
});

/**
 * `POST /orders`: the paying wallet, the merchant, the whole price and the points paying part of
 * it, in the currency payments are taken in; the key scoped to its route and client, the payload
 * fingerprinted.
 */
export function orderRequest(
  request: HttpRequest,
  currency: string,
  fingerprint: (value: unknown) => string,
  nowMs: number,
): OrderInput {
  const body = parseWith(orderBody, request.json());
  const key = requiredKey(request.event, 'POST /orders needs an Idempotency-Key header.');
  const [wallet, merchant] = [parseWalletId(body.wallet), parseWalletId(body.merchant)];
  const priceMinor = parseAmountMinor(body.amount);
  const points = parseAssetAmount('points', body.points);
  if (body.currency !== undefined && body.currency.toUpperCase() !== currency) {
    throw badRequest('unsupported-currency', `Orders are paid in ${currency}.`);
  }
  const expiresInMs = (body.expiresInSeconds ?? DAY_SECONDS) * 1000;
  const payloadHash = fingerprint({ operation: 'order', wallet, merchant, priceMinor, points, expiresInMs });
  return {
    wallet,
    merchant,
    priceMinor,
    points,
    expiresInMs,
    idempotency: requestIdempotency(request.event, 'orders', key, payloadHash),
    respond: orderResponse(wallet, nowMs),
  };
}
