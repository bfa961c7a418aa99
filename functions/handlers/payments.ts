import { notFound, type PaymentDeps, readPayment, requestPayment, walletOfPayment } from '#app/payments.ts';
import { requestRefund } from '#app/refunds.ts';
import { hashing, paymentDeps } from '#composition/lambda.ts';
import { checkPoints } from '#domain/pricing.ts';
import { parseAssetAmount } from '#domain/wallet.ts';
import { parseWalletId } from '#domain/wallet-id.ts';
import { type HttpRequest, httpHandler, httpRoute, walletInBody } from '#http/handler.ts';
import { requestIdempotency } from '#http/idempotency-scope.ts';
import { listPayments } from '#http/payment-list-json.ts';
import {
  paymentAnswer,
  paymentBody,
  paymentResponse,
  paymentWithHistoryJson,
  refundResponse,
} from '#http/payments-json.ts';
import type { WalletReach } from '#http/principal.ts';
import { badRequest, jsonResult } from '#http/problem.ts';
import { domainProblem } from '#http/problems.ts';
import { parseWith } from '#http/request.ts';
import { requiredKey } from '#http/trading-json.ts';

/** A payment is its wallet's: reading one needs a right over the wallet its id names. */
function paymentWallets(request: HttpRequest): WalletReach {
  const walletId = request.param('wallet_id');
  if (walletId !== undefined) return [walletId];
  const paymentId = request.param('payment_id');
  if (paymentId === undefined) return walletInBody('wallet')(request);
  const wallet = walletOfPayment(paymentId);
  return wallet === undefined ? [] : [wallet];
}

/**
 * `POST /payments`: buy points with cash (an intent at the provider, the payment recorded as
 * pending; the points come with the provider's webhook). `GET /payments/{payment_id}`: its story.
 * `GET /wallets/{wallet_id}/payments`: the wallet's purchases, newest first, from its listing.
 * `POST /payments/{payment_id}/refund`: what is left of it given back (app/refunds.ts).
 */
export const makePaymentsHandler = (
  deps: () => PaymentDeps | Promise<PaymentDeps>,
  fingerprint = hashing.fingerprint,
) =>
  httpRoute({
    wallets: paymentWallets,
    deps,
    run: async (request, deps) => {
      const walletId = request.param('wallet_id');
      if (walletId !== undefined)
        return listPayments(deps, parseWalletId(walletId), 'points-purchase', request);
      const paymentId = request.param('payment_id');
      if (paymentId !== undefined && request.method === 'POST') {
        const key = requiredKey(
          request.event,
          'POST /payments/{payment_id}/refund needs an Idempotency-Key header.',
        );
        const result = await requestRefund(deps, {
          paymentId,
          idempotency: requestIdempotency(
            request.event,
            'refunds',
            key,
            fingerprint({ operation: 'refund', paymentId }),
          ),
          respond: refundResponse,
        });
        return paymentAnswer(result);
      }
      if (paymentId !== undefined) {
        const found = await readPayment(deps.store, paymentId);
        if (found === undefined) throw domainProblem(notFound(paymentId));
        return jsonResult(200, paymentWithHistoryJson(found.wallet, found.payment, found.history));
      }
      const body = parseWith(paymentBody, request.json());
      const key = requiredKey(request.event, 'POST /payments needs an Idempotency-Key header.');
      const wallet = parseWalletId(body.wallet);
      const points = checkPoints(parseAssetAmount('points', body.points));
      if (body.currency !== undefined && body.currency.toUpperCase() !== deps.pricing.currency) {
        throw badRequest('unsupported-currency', `Payments are taken in ${deps.pricing.currency}.`);
      }
      const payloadHash = fingerprint({ operation: 'payment', wallet, points });
      const result = await requestPayment(deps, {
        wallet,
        points,
        idempotency: requestIdempotency(request.event, 'payments', key, payloadHash),
        respond: paymentResponse(wallet),
      });
      return paymentAnswer(result);
    },
  });

export const handler = httpHandler(makePaymentsHandler(paymentDeps));
