import { applyWebhook } from '#app/payment-webhook.ts';
import type { PaymentDeps } from '#app/payments.ts';
import { hashing } from '#composition/lambda.ts';
import { paymentWebhookDeps } from '#composition/payment-webhook.ts';
import { httpHandler, httpRoute } from '#http/handler.ts';
import { HttpProblem, jsonResult } from '#http/problem.ts';
import { domainProblem, problem } from '#http/problems.ts';
import { bodyText } from '#http/request.ts';
import { PaymentProviderError } from '#ports/payment-provider.ts';

/**
 * `POST /payments/webhook`: public (no token: the provider has none), so authenticity is the
 * provider's signature over the exact raw body and a fresh timestamp, checked by the provider's
 * adapter before anything is read or written. A bad one is a 401 (400 when the signature holds but
 * the payload is unreadable); a 2xx tells the provider to stop re-sending. When reading the event
 * needs the provider (a Stripe refund whose charge lacks Tally's references) and it cannot be
 * reached, nothing is changed and the answer is a 503 with Retry-After: the provider sends it again.
 */
export const makePaymentWebhookHandler = (
  deps: () => PaymentDeps | Promise<PaymentDeps>,
  fingerprint = hashing.fingerprint,
) =>
  httpRoute({
    deps,
    run: async (request, deps) => {
      const headers = request.event.headers ?? {};
      const result = await applyWebhook(deps, bodyText(request.event), headers, fingerprint).catch(
        (error: unknown) => {
          if (!(error instanceof PaymentProviderError)) throw error;
          throw new HttpProblem({
            status: 503,
            code: 'payment-provider-unavailable',
            title: 'Service unavailable',
            detail:
              'The payment provider could not be reached to read this event; nothing was changed. Send it again.',
            headers: { 'retry-after': '1' },
          });
        },
      );
      switch (result.kind) {
        case 'unauthentic':
          throw new HttpProblem({
            status: 401,
            code: 'invalid-webhook-signature',
            title: 'Unauthorized',
            detail: 'The webhook signature is missing, wrong or not fresh; nothing was changed.',
          });
        case 'unreadable':
          throw new HttpProblem({
            status: 400,
            code: 'unreadable-webhook',
            title: 'Bad request',
            detail: 'The webhook is signed but not an event this API can read; nothing was changed.',
          });
        case 'ignored':
          return jsonResult(200, `{"received":true,"ignored":${JSON.stringify(result.reason)}}`);
        case 'applied':
        case 'unchanged':
          return jsonResult(result.response.statusCode, result.response.body);
        case 'replayed':
          return jsonResult(result.response.statusCode, result.response.body, {
            'idempotent-replayed': 'true',
          });
        case 'rejected':
          throw domainProblem(result.error);
        case 'contended':
          throw problem('contended', 'Other writers kept changing this wallet; retry the delivery.');
      }
    },
  });

export const handler = httpHandler(makePaymentWebhookHandler(paymentWebhookDeps));
