/**
 * Refunds over the in-memory store and the sandbox provider: Tally's refund route (decided before
 * the provider is asked) and the provider's `charge.refunded` webhook, each applied once however
 * often it comes, and refused while the points it would take back are held or spent.
 */
import { describe, expect, it } from 'vitest';
import { createOrder } from '#app/orders.ts';
import { applyWebhook } from '#app/payment-webhook.ts';
import { readPayment, requestPayment } from '#app/payments.ts';
import { readWallet } from '#app/read-events.ts';
import { requestRefund } from '#app/refunds.ts';
import { foldWallet, initialWalletState } from '#domain/wallet.ts';
import { sandboxPaymentDeps } from '../../support/payment-deps.ts';

function setUp() {
  let ids = 0;
  const clock = { nowMs: () => 1_700_000_000_000 };
  const idGen = { newId: () => `id${++ids}` };
  const { deps, store, sandbox } = sandboxPaymentDeps({
    clock,
    ids: idGen,
    hash: (text) => Buffer.from(text).toString('hex').slice(-24),
  });
  const fingerprint = (value: unknown) => JSON.stringify(value);
  const respond = (payment: { paymentId: string }) => ({ statusCode: 201, body: payment.paymentId });
  const intentOf = (paymentId: string) => {
    const intent = sandbox.intentOfPayment(paymentId);
    if (intent === undefined) throw new Error('no intent');
    return intent;
  };
  const deliver = (webhook: { body: string; headers: Record<string, string> }) =>
    applyWebhook(deps, webhook.body, webhook.headers, fingerprint);
  /** A wallet that bought 1,000 points for 10.00, paid. */
  const bought = async (wallet: string) => {
    const result = await requestPayment(deps, {
      wallet,
      points: 1_000n,
      idempotency: { key: `buy-${wallet}`, payloadHash: 'h' },
      respond,
    });
    if (result.kind !== 'recorded') throw new Error(result.kind);
    const paymentId = result.response.body;
    expect((await deliver(sandbox.settle(intentOf(paymentId).paymentIntentId, 'succeed'))).kind).toBe(
      'applied',
    );
    return paymentId;
  };
  const refund = (paymentId: string, key: string) =>
    requestRefund(deps, {
      paymentId,
      idempotency: { key, payloadHash: `refund ${paymentId}` },
      respond: (_wallet, payment) => ({
        statusCode: 200,
        body: JSON.stringify({ refunded: payment.refunded?.amountMinor.toString() ?? null }),
      }),
    });
  const points = async (wallet: string) =>
    foldWallet(await readWallet(store, wallet), initialWalletState()).balances.points;
  const holdPoints = async (wallet: string, amount: bigint) => {
    const result = await createOrder(deps, {
      wallet,
      merchant: 'm1',
      priceMinor: 100_000n,
      points: amount,
      expiresInMs: 600_000,
      idempotency: { key: `order-${wallet}`, payloadHash: 'o' },
      respond,
    });
    if (result.kind !== 'recorded') throw new Error(result.kind);
    return result.response.body;
  };
  return { sandbox, store, bought, refund, points, deliver, intentOf, holdPoints };
}

describe('POST /payments/{id}/refund', () => {
  it('gives the cash back and takes the points back, once, however often it is asked or echoed', async () => {
    const t = setUp();
    const paymentId = await t.bought('w1');
    const first = await t.refund(paymentId, 'r1');
    expect(first).toEqual({ kind: 'recorded', response: { statusCode: 200, body: '{"refunded":"1000"}' } });
    expect((await t.points('w1')).balance).toBe(0n);
    // The same key again: the stored answer; the provider made one refund.
    expect((await t.refund(paymentId, 'r1')).kind).toBe('replayed');
    const refunds = t.intentOf(paymentId).events.filter((event) => event.kind === 'refunded');
    expect(refunds).toHaveLength(1);
    // The provider's webhook for that same refund, delivered twice: nothing more is taken back.
    const echo = t.sandbox.webhookFor(
      t.intentOf(paymentId).paymentIntentId,
      refunds[0]?.providerEventId ?? '',
    );
    // (Applied already under the route's key, so the echo writes nothing, not even its own record.)
    expect((await t.deliver(echo)).kind).toBe('unchanged');
    expect((await t.deliver(echo)).kind).toBe('unchanged');
    // Another key: nothing is left to refund; answered as it stands, the provider not asked.
    expect((await t.refund(paymentId, 'r2')).kind).toBe('recorded');
    expect(t.intentOf(paymentId).events.filter((event) => event.kind === 'refunded')).toHaveLength(1);
    expect(await t.points('w1')).toMatchObject({ balance: 0n, held: 0n });
    const read = await readPayment(t.store, paymentId);
    expect(read?.history.map((event) => event.type)).toEqual([
      'PaymentRequested',
      'PaymentSucceeded',
      'PaymentRefunded',
    ]);
  });

  it('refuses while the points are held, naming the shortfall, and does not ask the provider', async () => {
    const t = setUp();
    const paymentId = await t.bought('w1');
    await t.holdPoints('w1', 400n);
    const refused = await t.refund(paymentId, 'r1');
    expect(refused.kind).toBe('rejected');
    if (refused.kind !== 'rejected') return;
    expect(refused.error.code).toBe('correction_below_floor');
    expect(refused.error.message).toContain('600 available');
    expect(refused.error.message).toContain('400 below its floor 0');
    expect(t.intentOf(paymentId).events.some((event) => event.kind === 'refunded')).toBe(false);
    expect(await t.points('w1')).toMatchObject({ balance: 1_000n, held: 400n });
  });
});

describe("the provider's charge.refunded webhook", () => {
  it('is refused (nothing recorded) while the points are held, and applied once when they are back', async () => {
    const t = setUp();
    const paymentId = await t.bought('w1');
    const orderId = await t.holdPoints('w1', 400n);
    const refund = t.sandbox.settle(t.intentOf(paymentId).paymentIntentId, 'refund');
    const refused = await t.deliver(refund);
    expect(refused.kind).toBe('rejected');
    expect((await t.points('w1')).balance).toBe(1_000n);
    // The order's cash fails: its hold is released. The provider's redelivery now applies.
    expect((await t.deliver(t.sandbox.settle(t.intentOf(orderId).paymentIntentId, 'fail'))).kind).toBe(
      'applied',
    );
    expect((await t.deliver(refund)).kind).toBe('applied');
    expect((await t.deliver(refund)).kind).toBe('replayed');
    expect(await t.points('w1')).toMatchObject({ balance: 0n, held: 0n });
  });
});
