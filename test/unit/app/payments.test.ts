/**
 * The payment use cases over the in-memory store and the sandbox provider: the webhook's
 * idempotency record by provider event id (a redelivery is `replayed`, nothing written), its
 * signature check (nothing read or written on a forged one), and an order settled over both wallets.
 */
import { describe, expect, it } from 'vitest';
import { createOrder } from '#app/orders.ts';
import { applyWebhook } from '#app/payment-webhook.ts';
import { readPayment, requestPayment } from '#app/payments.ts';
import { readWallet } from '#app/read-events.ts';
import { foldWallet, initialWalletState } from '#domain/wallet.ts';
import type { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import { sandboxPaymentDeps } from '../../support/payment-deps.ts';

let ids = 0;
const clock = { nowMs: () => Date.now() };
const idGen = { newId: () => `id${++ids}` };

const setUp = () =>
  sandboxPaymentDeps({
    clock,
    ids: idGen,
    hash: (text) => Buffer.from(text).toString('hex').padEnd(24, '0'),
  });

const fingerprint = (value: unknown) => JSON.stringify(value);
const respond = (payment: { paymentId: string }) => ({ statusCode: 201, body: payment.paymentId });

async function pointsOf(store: InMemoryEventStore, wallet: string) {
  const events = await readWallet(store, wallet);
  return foldWallet(events, initialWalletState()).balances.points;
}

describe('payment webhooks', () => {
  it('credit once: the redelivery is replayed from the record and writes nothing', async () => {
    const { deps, store, sandbox } = setUp();
    const created = await requestPayment(deps, {
      wallet: 'w1',
      points: 1_000n,
      idempotency: { key: 'k1', payloadHash: 'h1' },
      respond,
    });
    if (created.kind !== 'recorded') throw new Error(created.kind);
    const paymentId = created.response.body;
    const intent = sandbox.intentOfPayment(paymentId);
    if (intent === undefined) throw new Error('no intent');
    expect(intent.amountMinor).toBe(1_000n);

    const webhook = sandbox.settle(intent.paymentIntentId, 'succeed');
    const first = await applyWebhook(deps, webhook.body, webhook.headers, fingerprint);
    expect(first.kind).toBe('applied');
    const again = sandbox.settle(intent.paymentIntentId, 'succeed');
    expect(again.providerEventId).toBe(webhook.providerEventId);
    const versionBefore = (await readWallet(store, 'w1')).length;
    expect((await applyWebhook(deps, again.body, again.headers, fingerprint)).kind).toBe('replayed');
    expect((await readWallet(store, 'w1')).length).toBe(versionBefore);
    expect((await pointsOf(store, 'w1')).balance).toBe(1_000n);
    expect((await readPayment(store, paymentId))?.payment.status).toBe('succeeded');
  });

  it('refuse a forged or tampered delivery before reading anything', async () => {
    const { deps, store, sandbox } = setUp();
    const created = await requestPayment(deps, {
      wallet: 'w1',
      points: 100n,
      idempotency: { key: 'k2', payloadHash: 'h2' },
      respond,
    });
    if (created.kind !== 'recorded') throw new Error(created.kind);
    const intent = sandbox.intentOfPayment(created.response.body);
    if (intent === undefined) throw new Error('no intent');
    const webhook = sandbox.settle(intent.paymentIntentId, 'succeed');
    const tampered = webhook.body.replace('"amount":"100"', '"amount":"1"');
    expect(await applyWebhook(deps, tampered, webhook.headers, fingerprint)).toEqual({
      kind: 'unauthentic',
      reason: 'signature-mismatch',
    });
    expect(await applyWebhook(deps, webhook.body, {}, fingerprint)).toEqual({
      kind: 'unauthentic',
      reason: 'missing-signature',
    });
    expect((await pointsOf(store, 'w1')).balance).toBe(0n);
  });

  it("pay an order: the buyer's held points reach the merchant in one transaction, once", async () => {
    const { deps, store, sandbox } = setUp();
    const bought = await requestPayment(deps, {
      wallet: 'w1',
      points: 800n,
      idempotency: { key: 'k3', payloadHash: 'h3' },
      respond,
    });
    if (bought.kind !== 'recorded') throw new Error(bought.kind);
    const boughtIntent = sandbox.intentOfPayment(bought.response.body);
    if (boughtIntent === undefined) throw new Error('no intent');
    const paid = sandbox.settle(boughtIntent.paymentIntentId, 'succeed');
    await applyWebhook(deps, paid.body, paid.headers, fingerprint);

    const order = await createOrder(deps, {
      wallet: 'w1',
      merchant: 'm1',
      priceMinor: 1_200n,
      points: 500n,
      expiresInMs: 60_000,
      idempotency: { key: 'k4', payloadHash: 'h4' },
      respond,
    });
    if (order.kind !== 'recorded') throw new Error(order.kind);
    const orderIntent = sandbox.intentOfPayment(order.response.body);
    expect(orderIntent?.amountMinor).toBe(700n);
    expect(await pointsOf(store, 'w1')).toMatchObject({ balance: 800n, held: 500n });
    if (orderIntent === undefined) throw new Error('no intent');
    const success = sandbox.settle(orderIntent.paymentIntentId, 'succeed');
    expect((await applyWebhook(deps, success.body, success.headers, fingerprint)).kind).toBe('applied');
    expect((await applyWebhook(deps, success.body, success.headers, fingerprint)).kind).toBe('replayed');
    expect(await pointsOf(store, 'w1')).toMatchObject({ balance: 300n, held: 0n });
    expect((await pointsOf(store, 'm1')).balance).toBe(500n);
  });
});
