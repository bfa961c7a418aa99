/**
 * A wallet's payments and orders as routes (`GET /wallets/{id}/payments`, `…/orders`): the listing
 * is written with the events that move a payment (requested, settled, its order's hold expired by
 * the sweep), read newest first a page at a time, and never from the wallet's log.
 */
import { describe, expect, it, vi } from 'vitest';
import { sweepExpiries } from '#app/expiry-sweep.ts';
import { createOrder } from '#app/orders.ts';
import { applyWebhook } from '#app/payment-webhook.ts';
import { requestPayment } from '#app/payments.ts';
import { makeOrdersHandler } from '#handlers/orders.ts';
import { makePaymentsHandler } from '#handlers/payments.ts';
import { HttpProblem } from '#http/problem.ts';
import { apiRequest } from '../../support/api-request.ts';
import { sandboxPaymentDeps } from '../../support/payment-deps.ts';

const T0 = 1_700_000_000_000;

function setUp() {
  let now = T0;
  let ids = 0;
  const clock = { nowMs: () => now };
  const idGen = { newId: () => `id${++ids}` };
  const { deps, store, sandbox } = sandboxPaymentDeps({
    clock,
    ids: idGen,
    hash: (text) => Buffer.from(text).toString('hex').slice(-24),
  });
  const respond = (payment: { paymentId: string }) => ({ statusCode: 201, body: payment.paymentId });
  const buy = async (wallet: string, points: bigint, key: string) => {
    const result = await requestPayment(deps, {
      wallet,
      points,
      idempotency: { key, payloadHash: key },
      respond,
    });
    if (result.kind !== 'recorded') throw new Error(result.kind);
    return result.response.body;
  };
  const settle = async (paymentId: string, outcome: 'succeed' | 'fail') => {
    const intent = sandbox.intentOfPayment(paymentId);
    if (intent === undefined) throw new Error('no intent');
    const webhook = sandbox.settle(intent.paymentIntentId, outcome);
    const applied = await applyWebhook(deps, webhook.body, webhook.headers, (value) => JSON.stringify(value));
    expect(applied.kind).toBe('applied');
  };
  const order = async (wallet: string, points: bigint, key: string, expiresInMs = 60_000) => {
    const result = await createOrder(deps, {
      wallet,
      merchant: 'm1',
      priceMinor: 1_200n,
      points,
      expiresInMs,
      idempotency: { key, payloadHash: key },
      respond,
    });
    if (result.kind !== 'recorded') throw new Error(result.kind);
    return result.response.body;
  };
  const get = async (list: 'payments' | 'orders', wallet: string, query?: Record<string, string>) => {
    const core = list === 'payments' ? makePaymentsHandler(() => deps) : makeOrdersHandler(() => deps);
    const result = await core(
      apiRequest({
        method: 'GET',
        route: `/wallets/{wallet_id}/${list}`,
        path: `/wallets/${wallet}/${list}`,
        pathParameters: { wallet_id: wallet },
        ...(query === undefined ? {} : { query }),
      }),
    );
    expect(result.statusCode).toBe(200);
    return JSON.parse(result.body) as {
      walletId: string;
      payments?: Record<string, unknown>[];
      orders?: Record<string, unknown>[];
      nextCursor: string | null;
    };
  };
  return {
    store,
    deps,
    buy,
    settle,
    order,
    get,
    tick: (ms: number) => {
      now += ms;
    },
  };
}

describe('GET /wallets/{id}/payments', () => {
  it('lists purchases newest first with their state now, a page at a time', async () => {
    const t = setUp();
    const first = await t.buy('w1', 100n, 'k1');
    t.tick(1_000);
    const second = await t.buy('w1', 200n, 'k2');
    t.tick(1_000);
    const third = await t.buy('w1', 300n, 'k3');
    await t.buy('w2', 400n, 'k4'); // another wallet's: not listed
    t.tick(1_000);
    await t.settle(first, 'succeed');
    await t.settle(second, 'fail');

    const page1 = await t.get('payments', 'w1', { limit: '2' });
    expect(page1.walletId).toBe('w1');
    expect(page1.payments?.map((one) => [one.paymentId, one.status, one.points])).toEqual([
      [third, 'pending', 300],
      [second, 'failed', 200],
    ]);
    expect(page1.payments?.[1]).toMatchObject({
      purpose: 'points-purchase',
      amount: { asset: 'money', amount: 2, currency: 'EUR' },
      provider: 'sandbox',
      createdAt: new Date(T0 + 1_000).toISOString(),
      updatedAt: new Date(T0 + 3_000).toISOString(),
    });
    expect(page1.nextCursor).not.toBeNull();

    const page2 = await t.get('payments', 'w1', { limit: '2', cursor: page1.nextCursor ?? '' });
    expect(page2.payments?.map((one) => [one.paymentId, one.status])).toEqual([[first, 'succeeded']]);
    expect(page2.nextCursor).toBeNull();
    // Purchases are not orders.
    expect((await t.get('orders', 'w1')).orders).toEqual([]);
  });

  it('answers from the listing: the wallet log is not read', async () => {
    const t = setUp();
    await t.buy('w1', 100n, 'k1');
    const read = vi.spyOn(t.store, 'read');
    const lanes = vi.spyOn(t.store, 'lanes');
    const head = vi.spyOn(t.store, 'head');
    expect((await t.get('payments', 'w1')).payments).toHaveLength(1);
    expect([read.mock.calls.length, lanes.mock.calls.length, head.mock.calls.length]).toEqual([0, 0, 0]);
  });

  it('refuses a cursor of the other listing, or one it did not give out', async () => {
    const t = setUp();
    await t.buy('w1', 100n, 'k1');
    await t.buy('w1', 100n, 'k2');
    const cursor = (await t.get('payments', 'w1', { limit: '1' })).nextCursor ?? '';
    const core = makeOrdersHandler(() => t.deps);
    const ask = (query: Record<string, string>) =>
      core(
        apiRequest({
          method: 'GET',
          route: '/wallets/{wallet_id}/orders',
          path: '/wallets/w1/orders',
          pathParameters: { wallet_id: 'w1' },
          query,
        }),
      );
    const queries: Record<string, string>[] = [
      { cursor },
      { cursor: 'not-a-cursor' },
      { limit: '0' },
      { limit: '201' },
    ];
    for (const query of queries) {
      const refused = await ask(query).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(HttpProblem);
      expect((refused as HttpProblem).problem.status).toBe(400);
    }
  });
});

describe('GET /wallets/{id}/orders', () => {
  it('shows an order pending, paid once the cash comes, and one whose hold the sweep expired', async () => {
    const t = setUp();
    const bought = await t.buy('w1', 1_000n, 'k1');
    await t.settle(bought, 'succeed');
    const paid = await t.order('w1', 500n, 'o1', 600_000);
    t.tick(1_000);
    const lapsed = await t.order('w1', 100n, 'o2', 10_000);

    let orders = (await t.get('orders', 'w1')).orders ?? [];
    expect(orders.map((one) => [one.orderId, one.status])).toEqual([
      [lapsed, 'pending'],
      [paid, 'pending'],
    ]);
    expect(orders[1]).toMatchObject({
      merchant: 'm1',
      points: 500,
      amount: { asset: 'money', amount: 12 },
      pointsValue: { asset: 'money', amount: 5 },
      cash: { asset: 'money', amount: 7 },
      paymentStatus: 'pending',
    });

    await t.settle(paid, 'succeed');
    t.tick(20_000);
    // Past its expiry, before any sweep: read as expired.
    orders = (await t.get('orders', 'w1')).orders ?? [];
    expect(orders.map((one) => [one.orderId, one.status, one.paymentStatus])).toEqual([
      [lapsed, 'expired', 'pending'],
      [paid, 'paid', 'succeeded'],
    ]);
    // The sweep releases the lapsed order's hold: its entry records the end (and when).
    const swept = await sweepExpiries({ ...t.deps, expiries: t.store.tradingIndex });
    expect(swept.expired).toBe(1);
    const after = (await t.get('orders', 'w1')).orders ?? [];
    expect(after[0]).toMatchObject({ orderId: lapsed, status: 'expired' });
    expect(after[0]?.updatedAt).not.toBe(orders[0]?.updatedAt);
  });
});
