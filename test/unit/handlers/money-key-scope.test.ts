import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { builtInDecisionRules } from '#app/default-decision-rules.ts';
import { HeadCache } from '#app/head-cache.ts';
import { requestPayment } from '#app/payments.ts';
import { makeAccountsHandler } from '#handlers/accounts.ts';
import { makeDepositHandler } from '#handlers/deposit.ts';
import { makePaymentsHandler } from '#handlers/payments.ts';
import type { HttpCore } from '#http/handler.ts';
import { problemErrors } from '#http/middleware.ts';
import type { HttpResult } from '#http/problem.ts';
import { apiRequest } from '../../support/api-request.ts';
import { lambdaContext } from '../../support/http.ts';
import { withJwt } from '../../support/jwt-context.ts';
import { sandboxPaymentDeps } from '../../support/payment-deps.ts';

/**
 * Issue 10 §4.6 for the money routes: the Idempotency-Key of `POST /payments`, `POST /orders` and
 * the card account writes lives in a namespace per route and per client, as deposits' and
 * transfers' do. One client cannot squat another's key, one route's key does not collide with
 * another's, and a key item written before namespaces still replays its own request.
 */
const logger = new Logger({ serviceName: 'tally-test', logLevel: 'SILENT' });
const fingerprint = (value: unknown) => sha256Hex(canonicalJson(value));

function setUp() {
  let ids = 0;
  const clock = { nowMs: () => 1_700_000_000_000 };
  const idGen = { newId: () => `id${++ids}` };
  const { deps, store, sandbox } = sandboxPaymentDeps({ clock, ids: idGen, hash: sha256Hex });
  return { store, deps, sandbox };
}

/** A request as API Gateway's JWT authorizer hands it over, from the token of `clientId`. */
const request = (route: string, body: unknown, key: string, clientId: string): APIGatewayProxyEventV2 =>
  withJwt(
    apiRequest({
      method: 'POST',
      route,
      path: route,
      body: JSON.stringify(body),
      headers: { 'idempotency-key': key, 'content-type': 'application/json' },
    }),
    { client_id: clientId },
    ['payments:write', 'accounts:write'],
  );

const run = (handler: HttpCore, event: APIGatewayProxyEventV2): Promise<HttpResult> =>
  middy(handler).use(problemErrors(logger))(event, lambdaContext);

describe('payment, order and card keys are namespaced per route and client', () => {
  it('POST /payments: the same key from two clients makes two payments; each replay answers its own', async () => {
    const { deps, store } = setUp();
    const payments = makePaymentsHandler(() => deps, fingerprint);
    const pay = (client: string, points: number) =>
      run(payments, request('/payments', { wallet: 'w1', points }, 'order-0001', client));
    const first = await pay('attacker', 100);
    const victim = await pay('victim', 1_000);
    expect(first.statusCode).toBe(201);
    // Without the namespace the victim's payment would be refused (the key was used for another payload).
    expect(victim.statusCode).toBe(201);
    const idOf = (answer: HttpResult) => (JSON.parse(answer.body) as { paymentId: string }).paymentId;
    expect(idOf(victim)).not.toBe(idOf(first));
    const again = await pay('victim', 1_000);
    expect(again.statusCode).toBe(201);
    expect(idOf(again)).toBe(idOf(victim));
    expect(again.headers?.['Idempotent-Replayed'] ?? again.headers?.['idempotent-replayed']).toBe('true');
    expect(store.storedEvents('w1').filter((event) => event.type === 'PaymentRequested')).toHaveLength(2);
  });

  it('the same key on two routes (a deposit and a payment, one client) does not collide', async () => {
    const { deps, store } = setUp();
    const depositDeps = { ...deps, heads: new HeadCache() };
    const deposit = await run(
      makeDepositHandler(() => depositDeps),
      request('/deposit', { WalletID: 'w1', Amount: 5 }, 'k-1', 'shop'),
    );
    expect(deposit.statusCode).toBe(201);
    const payment = await run(
      makePaymentsHandler(() => deps, fingerprint),
      request('/payments', { wallet: 'w1', points: 100 }, 'k-1', 'shop'),
    );
    expect(payment.statusCode).toBe(201);
    expect(store.storedEvents('w1').map((event) => event.type)).toEqual(['Deposited', 'PaymentRequested']);
  });

  it('card account writes: another client’s key cannot block an account opening', async () => {
    const { deps, store } = setUp();
    const accounts = makeAccountsHandler(
      () => ({ ...deps, decisionRules: builtInDecisionRules }),
      fingerprint,
    );
    const open = (client: string, accountId: string) =>
      run(
        accounts,
        request('/accounts', { accountId, creditLimit: '500.00', currency: 'EUR' }, 'open-1', client),
      );
    expect((await open('attacker', 'a-attacker')).statusCode).toBe(201);
    expect((await open('bank', 'a-victim')).statusCode).toBe(201);
    expect(store.storedEvents('a-victim').map((event) => event.type)).toEqual(['AccountOpened']);
    // The attacker reusing its own key for another account is still refused.
    expect((await open('attacker', 'a-other')).statusCode).toBe(422);
  });

  it('a payment key item written before namespaces still replays its request, and records nothing again', async () => {
    const { deps, store } = setUp();
    const payloadHash = fingerprint({ operation: 'payment', wallet: 'w1', points: 100n });
    const legacy = await requestPayment(deps, {
      wallet: 'w1',
      points: 100n,
      idempotency: { key: 'legacy-1', payloadHash },
      respond: (payment) => ({ statusCode: 201, body: JSON.stringify({ paymentId: payment.paymentId }) }),
    });
    expect(legacy.kind).toBe('recorded');
    const answer = await run(
      makePaymentsHandler(() => deps, fingerprint),
      request('/payments', { wallet: 'w1', points: 100 }, 'legacy-1', 'any-client'),
    );
    expect(answer.statusCode).toBe(201);
    expect(answer.body).toBe(legacy.kind === 'recorded' ? legacy.response.body : '');
    expect(store.storedEvents('w1').filter((event) => event.type === 'PaymentRequested')).toHaveLength(1);
  });
});
