import {
  notFound,
  type PaymentListDeps,
  readPayment,
  requestPayment,
  walletOfPayment,
} from '#app/payments.ts';
import { requestRefund } from '#app/refunds.ts';
import { hashing } from '#composition/lambda.ts';
import { paymentDeps } from '#composition/payments.ts';
import { parseWalletId } from '#domain/wallet-id.ts';
import { type HttpRequest, httpHandler, httpRoute, walletInBody } from '#http/handler.ts';
import { purchaseRequest, refundRequest } from '#http/payment-requests.ts';
import { paymentAnswer, paymentWithHistoryJson } from '#http/payments-json.ts';
import type { WalletReach } from '#http/principal.ts';
import { jsonResult } from '#http/problem.ts';
import { domainProblem } from '#http/problems.ts';

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
 * `GET /wallets/{wallet_id}/payments`: the wallet's purchases, newest first, from its listing
 * (loaded with that route's first call).
 * `POST /payments/{payment_id}/refund`: what is left of it given back (app/refunds.ts).
 */
export const makePaymentsHandler = (
  deps: () => PaymentListDeps | Promise<PaymentListDeps>,
  fingerprint = hashing.fingerprint,
) =>
  httpRoute({
    wallets: paymentWallets,
    deps,
    run: async (request, deps) => {
      const walletId = request.param('wallet_id');
      if (walletId !== undefined)
        return (await import('#http/payment-list-json.ts')).listPayments(
          deps,
          parseWalletId(walletId),
          'points-purchase',
          request,
        );
      const paymentId = request.param('payment_id');
      if (paymentId !== undefined && request.method === 'POST')
        return paymentAnswer(await requestRefund(deps, refundRequest(request, paymentId, fingerprint)));
      if (paymentId !== undefined) {
        const found = await readPayment(deps.store, paymentId);
        if (found === undefined) throw domainProblem(notFound(paymentId));
        return jsonResult(200, paymentWithHistoryJson(found.wallet, found.payment, found.history));
      }
      const purchase = purchaseRequest(request, deps.pricing.currency, fingerprint);
      return paymentAnswer(await requestPayment(deps, purchase));
    },
  });

export const handler = httpHandler(makePaymentsHandler(paymentDeps));
