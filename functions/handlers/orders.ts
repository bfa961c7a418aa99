import { createOrder } from '#app/orders.ts';
import { notFound, type PaymentListDeps, readPayment, walletOfPayment } from '#app/payments.ts';
import { hashing } from '#composition/lambda.ts';
import { orderDeps } from '#composition/payments.ts';
import { parseWalletId } from '#domain/wallet-id.ts';
import { type HttpRequest, httpHandler, httpRoute, walletInBody } from '#http/handler.ts';
import { orderRequest } from '#http/order-body.ts';
import { orderWithHistoryJson, paymentAnswer } from '#http/payments-json.ts';
import type { WalletReach } from '#http/principal.ts';
import { jsonResult } from '#http/problem.ts';
import { domainProblem } from '#http/problems.ts';

/** An order acts for (and is read by) the paying wallet, which its id names. */
function orderWallets(request: HttpRequest): WalletReach {
  const walletId = request.param('wallet_id');
  if (walletId !== undefined) return [walletId];
  const orderId = request.param('order_id');
  if (orderId === undefined) return walletInBody('wallet')(request);
  const wallet = walletOfPayment(orderId);
  return wallet === undefined ? [] : [wallet];
}

/**
 * `POST /orders`: pay a merchant with points plus cash (the points held, the cash an intent);
 * `GET /orders/{order_id}`: the order, its status and its story. `GET /wallets/{wallet_id}/orders`:
 * the wallet's orders, newest first, from its listing (loaded with that route's first call: a cold
 * start that places or reads an order does not run it).
 */
export const makeOrdersHandler = (
  deps: () => PaymentListDeps | Promise<PaymentListDeps>,
  fingerprint = hashing.fingerprint,
) =>
  httpRoute({
    wallets: orderWallets,
    deps,
    run: async (request, deps) => {
      const walletId = request.param('wallet_id');
      if (walletId !== undefined)
        return (await import('#http/payment-list-json.ts')).listPayments(
          deps,
          parseWalletId(walletId),
          'order',
          request,
        );
      const orderId = request.param('order_id');
      const nowMs = deps.clock.nowMs();
      if (orderId !== undefined) {
        const found = await readPayment(deps.store, orderId);
        if (found?.payment.order === undefined) throw domainProblem(notFound(orderId));
        return jsonResult(200, orderWithHistoryJson(found, nowMs));
      }
      const order = orderRequest(request, deps.pricing.currency, fingerprint, nowMs);
      const result = await createOrder(deps, order);
      return paymentAnswer(result);
    },
  });

export const handler = httpHandler(makeOrdersHandler(orderDeps));
