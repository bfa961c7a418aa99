/**
 * The payment webhook's tests' world (webhook-first-rounds, webhook-order-race): an in-memory
 * table, the sandbox provider, the deps of one process on a store of the table, and the purchases
 * and orders a webhook settles.
 */
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
import { InMemoryGroupStore } from './in-memory-group-store.ts';
import { SANDBOX_SECRET } from './payment-deps.ts';
import { Rounds } from './rounds.ts';

const clock = { nowMs: () => 1_700_000_000_000 };
let ids = 0;
const idGen = { newId: () => `id${++ids}` };
const fingerprint = (value: unknown) => JSON.stringify(value);

/** One delivery of a signed webhook to the use case. */
export const deliver = (deps: PaymentDeps, webhook: Pick<SignedWebhook, 'body' | 'headers'>) =>
  applyWebhook(deps, webhook.body, webhook.headers, fingerprint);

/** `webhook`'s payload changed by `change`, signed again as the provider signs. */
export function resigned(webhook: SignedWebhook, change: (payload: Record<string, unknown>) => void) {
  const payload = JSON.parse(webhook.body) as Record<string, unknown>;
  change(payload);
  const body = JSON.stringify(payload);
  const seconds = Math.floor(clock.nowMs() / 1000);
  return { body, headers: { 'Tally-Signature': signatureHeader(SANDBOX_SECRET, seconds, body) } };
}

/** Every turn and timer pending now has run (a gated look-up still waits). */
export const settle = async () => {
  for (let i = 0; i < 50; i++) await Promise.resolve();
  await new Promise((resolve) => setTimeout(resolve, 5));
};

/** A table, the sandbox provider, and the deps of one process on that table (its own store object). */
export function webhookWorld() {
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
  /** Another process on the table, its calls counted in rounds. */
  const instance = (groupCommit: boolean) => {
    const rounds = new Rounds();
    return { deps: depsOn(rounds.remote(table as EventStore), groupCommit), rounds: () => rounds.list() };
  };
  /** A purchase of `points` requested (by another process) and paid: the provider's signed success. */
  const paid = async (key: string, points: bigint): Promise<SignedWebhook> => {
    const created = await requestPayment(depsOn(table, false), {
      wallet: 'w1',
      points,
      idempotency: { key, payloadHash: key },
      respond: (payment) => ({ statusCode: 201, body: payment.paymentId }),
    });
    if (created.kind !== 'recorded') throw new Error(created.kind);
    const intent = provider.intentOfPayment(created.response.body);
    if (intent === undefined) throw new Error('no intent');
    return provider.settle(intent.paymentIntentId, 'succeed');
  };
  /** An order of w1's to m1 (500 of its points held, 700 cents in cash), its cash intent not yet settled. */
  const orderIntent = async (): Promise<string> => {
    await deliver(depsOn(table, false), await paid('k-buy', 800n));
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
  /** That order paid: the provider's signed success. */
  const orderPaid = async (): Promise<SignedWebhook> => provider.settle(await orderIntent(), 'succeed');
  const balance = async (wallet: string) =>
    foldWallet(await readWallet(table, wallet), initialWalletState()).balances.points;
  const count = async (wallet: string, type: string) =>
    (await readWallet(table, wallet)).filter((event) => event.type === type).length;
  const points = async () => (await balance('w1')).balance;
  const successes = () => count('w1', 'PaymentSucceeded');
  return {
    table,
    provider,
    depsOn,
    deliver,
    instance,
    paid,
    orderIntent,
    orderPaid,
    balance,
    count,
    points,
    successes,
  };
}
