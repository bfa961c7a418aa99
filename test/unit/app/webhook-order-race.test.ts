/**
 * An order's success whose state read (the buyer's, sent with the key look-up) is
 * overtaken before the two-wallet append: another event id of the same success, or the order's
 * failure, lands in between (another instance). The merchant is credited once (or not at all
 * after a failure), the buyer's hold is captured once, and the first delivery answers sensibly.
 */
import { describe, expect, it } from 'vitest';
import { SandboxPaymentProvider, type SignedWebhook } from '#adapters/payments/sandbox.ts';
import { signatureHeader } from '#adapters/payments/webhook-signature.ts';
import { createOrder } from '#app/orders.ts';
import { applyWebhook } from '#app/payment-webhook.ts';
import { type PaymentDeps, requestPayment } from '#app/payments.ts';
import { defaultRetryPolicy } from '#app/placement.ts';
import { readWallet } from '#app/read-events.ts';
import { DEFAULT_POINT_RATE } from '#domain/pricing.ts';
import { foldWallet, initialWalletState } from '#domain/wallet.ts';
import type { EventStore } from '#ports/event-store.ts';
import { gatedKeyLookups } from '../../support/gated-key-lookups.ts';
import { InMemoryGroupStore } from '../../support/in-memory-group-store.ts';
import { SANDBOX_SECRET } from '../../support/payment-deps.ts';

const clock = { nowMs: () => 1_700_000_000_000 };
let ids = 0;
const idGen = { newId: () => `r5id${++ids}` };
const fingerprint = (value: unknown) => JSON.stringify(value);

function world() {
  const table = new InMemoryGroupStore();
  const provider = new SandboxPaymentProvider({ secrets: [SANDBOX_SECRET], clock, ids: idGen });
  const depsOn = (store: EventStore, groupCommit: boolean): PaymentDeps & { groupCommit: boolean } => ({
    store,
    clock,
    ids: idGen,
    retry: { ...defaultRetryPolicy, sleep: async () => {} },
    provider,
    pricing: { currency: 'EUR', pointRate: DEFAULT_POINT_RATE },
    hash: (text) => Buffer.from(text).toString('hex').padEnd(24, '0'),
    groupCommit,
  });
  const deliver = (deps: PaymentDeps, webhook: Pick<SignedWebhook, 'body' | 'headers'>) =>
    applyWebhook(deps, webhook.body, webhook.headers, fingerprint);
  const orderIntent = async () => {
    const created = await requestPayment(depsOn(table, false), {
      wallet: 'w1',
      points: 800n,
      idempotency: { key: 'k-buy', payloadHash: 'k-buy' },
      respond: (payment) => ({ statusCode: 201, body: payment.paymentId }),
    });
    if (created.kind !== 'recorded') throw new Error(created.kind);
    const buyIntent = provider.intentOfPayment(created.response.body);
    if (buyIntent === undefined) throw new Error('no intent');
    await deliver(depsOn(table, false), provider.settle(buyIntent.paymentIntentId, 'succeed'));
    const order = await createOrder(depsOn(table, false), {
      wallet: 'w1',
      merchant: 'm1',
      priceMinor: 1_200n,
      points: 500n,
      expiresInMs: 60_000,
      idempotency: { key: 'k-order', payloadHash: 'k-order' },
      respond: (payment) => ({ statusCode: 201, body: payment.paymentId }),
    });
    if (order.kind !== 'recorded') throw new Error(order.kind);
    const intent = provider.intentOfPayment(order.response.body);
    if (intent === undefined) throw new Error('no intent');
    return intent.paymentIntentId;
  };
  const balance = async (wallet: string) =>
    foldWallet(await readWallet(table, wallet), initialWalletState()).balances.points;
  const count = async (wallet: string, type: string) =>
    (await readWallet(table, wallet)).filter((event) => event.type === type).length;
  return { table, provider, depsOn, deliver, orderIntent, balance, count };
}

const settle = async () => {
  for (let i = 0; i < 50; i++) await Promise.resolve();
  await new Promise((resolve) => setTimeout(resolve, 5));
};

function resigned(webhook: SignedWebhook, change: (payload: Record<string, unknown>) => void) {
  const payload = JSON.parse(webhook.body) as Record<string, unknown>;
  change(payload);
  const body = JSON.stringify(payload);
  const seconds = Math.floor(clock.nowMs() / 1000);
  return { body, headers: { 'Tally-Signature': signatureHeader(SANDBOX_SECRET, seconds, body) } };
}

describe.each([true, false])(
  'review5: an order success overtaken after its read (group commit %s)',
  (groupCommit) => {
    it('another event id of the same success lands between the read and the append: merchant paid once', async () => {
      const w = world();
      const intentId = await w.orderIntent();
      const webhook = w.provider.settle(intentId, 'succeed');
      const other = resigned(webhook, (payload) => {
        payload.id = `${String(payload.id)}-again`;
      });
      const slow = gatedKeyLookups(w.table, groupCommit);
      const first = w.deliver(w.depsOn(slow.store, groupCommit), webhook);
      await settle();
      expect(await w.deliver(w.depsOn(w.table, false), other)).toMatchObject({
        kind: 'applied',
      });
      slow.open();
      expect(await first).toMatchObject({ kind: 'unchanged', response: { statusCode: 200 } });
      expect((await w.balance('m1')).balance).toBe(500n);
      expect(await w.count('w1', 'HoldCaptured')).toBe(1);
      expect(await w.count('m1', 'TransferredIn')).toBeLessThanOrEqual(1);
      // The purchase's and the order's.
      expect(await w.count('w1', 'PaymentSucceeded')).toBe(2);
    });

    it('the order fails (another event) between the read and the append: nothing reaches the merchant', async () => {
      const w = world();
      const intentId = await w.orderIntent();
      const success = w.provider.settle(intentId, 'succeed');
      const failure = resigned(success, (payload) => {
        payload.id = `${String(payload.id)}-fail`;
        payload.type = 'payment_intent.payment_failed';
        const data = payload.data as { object: Record<string, unknown> };
        data.object.status = 'requires_payment_method';
      });
      const slow = gatedKeyLookups(w.table, groupCommit);
      const first = w.deliver(w.depsOn(slow.store, groupCommit), success);
      await settle();
      const failed = await w.deliver(w.depsOn(w.table, false), failure);
      slow.open();
      const late = await first;
      expect(failed).toMatchObject({ kind: 'applied' });
      // The success's append, conditioned on the head its read found, fails; decided again, the hold
      // is released: the cash is owed back (refundDue), nothing reaches the merchant.
      expect(late).toMatchObject({ kind: 'applied' });
      expect((await w.balance('m1')).balance).toBe(0n);
      expect(await w.count('w1', 'HoldCaptured')).toBe(0);
    });

    it("an order's failed cash cancels the intent (the inspected state is the first read's)", async () => {
      const w = world();
      const intentId = await w.orderIntent();
      const failure = w.provider.settle(intentId, 'fail');
      const cancels: string[] = [];
      const cancel = w.provider.cancel.bind(w.provider);
      w.provider.cancel = (id: string) => {
        cancels.push(id);
        return cancel(id);
      };
      const counting = w.depsOn(w.table, groupCommit);
      const slowOpen = gatedKeyLookups(w.table, groupCommit);
      const pending = w.deliver({ ...counting, store: slowOpen.store }, failure);
      await settle();
      slowOpen.open();
      expect(await pending).toMatchObject({ kind: 'applied' });
      expect(cancels).toEqual([intentId]);
      expect((await w.balance('w1')).held ?? 0n).toBe(0n);
    });
  },
);
