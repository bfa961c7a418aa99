import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { makePaymentWebhookHandler } from '#handlers/payment-webhook.ts';
import type { HttpCore } from '#http/handler.ts';
import { problemErrors } from '#http/middleware.ts';
import { PaymentProviderError } from '#ports/payment-provider.ts';
import { apiRequest, expectProblem } from '../../support/api-request.ts';
import { lambdaContext } from '../../support/http.ts';
import { sandboxPaymentDeps } from '../../support/payment-deps.ts';

/**
 * `POST /payments/webhook` when reading the event needs the provider and the provider cannot be
 * reached (a Stripe refund whose charge lacks Tally's references): a 503 with Retry-After, so the
 * provider sends it again, and nothing written; any other failure stays a plain 500.
 */
const logger = new Logger({ serviceName: 'tally-test', logLevel: 'SILENT' });
const fingerprint = (value: unknown) => sha256Hex(canonicalJson(value));

function handlerThatThrows(error: Error) {
  const { deps, store } = sandboxPaymentDeps({
    clock: { nowMs: () => 1_700_000_000_000 },
    ids: { newId: () => 'id1' },
    hash: sha256Hex,
  });
  const provider = Object.assign(Object.create(deps.provider), {
    verifyWebhook: async () => {
      throw error;
    },
  });
  const handler: HttpCore = makePaymentWebhookHandler(() => ({ ...deps, provider }), fingerprint);
  return { store, run: () => middy(handler).use(problemErrors(logger))(delivery(), lambdaContext) };
}

const delivery = () =>
  apiRequest({
    method: 'POST',
    route: '/payments/webhook',
    path: '/payments/webhook',
    body: '{"id":"evt_1","type":"charge.refunded"}',
    headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' },
  });

describe('POST /payments/webhook, provider unreachable while reading the event', () => {
  it('answers 503 payment-provider-unavailable with Retry-After, and writes nothing', async () => {
    const { store, run } = handlerThatThrows(new PaymentProviderError('unavailable', 'connection reset'));
    const response = await run();
    expectProblem(response, 503, '/problems/payment-provider-unavailable');
    expect(response.headers?.['retry-after']).toBe('1');
    expect(response.body).not.toContain('connection reset');
    expect(store.eventCount()).toBe(0);
  });

  it('leaves any other failure a 500 without its message', async () => {
    const { store, run } = handlerThatThrows(new Error('bug in the adapter'));
    const response = await run();
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('bug in the adapter');
    expect(store.eventCount()).toBe(0);
  });
});
