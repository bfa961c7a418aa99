import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  deliverWebhook,
  SANDBOX_SIGNATURE_HEADER,
  SandboxPaymentProvider,
  type SignedWebhook,
} from '#adapters/payments/sandbox.ts';
import {
  FileSandboxIntentStore,
  loadOrCreateSandboxSecret,
  sandboxPaths,
} from '#adapters/payments/sandbox-store.ts';
import { signatureHeader } from '#adapters/payments/webhook-signature.ts';
import type { CreateIntentRequest } from '#ports/payment-provider.ts';

const SECRET = 'whsec_sandbox_test_secret_0001';
const START_MS = 1_800_000_000_000;

function sequentialIds(prefix = 'id'): { newId: () => string } {
  let next = 0;
  return { newId: () => `${prefix}${++next}` };
}

function sandbox(overrides: { store?: FileSandboxIntentStore; ids?: { newId: () => string } } = {}) {
  const clock = { now: START_MS, nowMs: () => clock.now };
  const provider = new SandboxPaymentProvider({
    secrets: [SECRET],
    clock,
    ids: overrides.ids ?? sequentialIds(),
    ...(overrides.store ? { store: overrides.store } : {}),
  });
  return { provider, clock };
}

const request = (overrides: Partial<CreateIntentRequest> = {}): CreateIntentRequest => ({
  amountMinor: 1000n,
  currency: 'eur',
  idempotencyKey: 'payment:p-1',
  metadata: { paymentId: 'p-1', wallet: 'w1', purpose: 'points-purchase' },
  ...overrides,
});

const verify = (provider: SandboxPaymentProvider, webhook: SignedWebhook) =>
  provider.verifyWebhook(webhook.body, webhook.headers);

describe('sandbox provider: intents', () => {
  it('creates a pending intent with a client secret, amount and upper-case currency', async () => {
    const { provider } = sandbox();
    const intent = await provider.createIntent(request());
    expect(intent).toEqual({
      provider: 'sandbox',
      paymentIntentId: 'pi_sandbox_id1',
      status: 'pending',
      amountMinor: 1000n,
      currency: 'EUR',
      customerAction: { kind: 'client-secret', clientSecret: 'pi_sandbox_id1_secret_id2' },
    });
  });

  it('answers the same intent for a repeated idempotency key, and refuses the key with other parameters', async () => {
    const { provider } = sandbox();
    const first = await provider.createIntent(request());
    expect(await provider.createIntent(request())).toEqual(first);
    await expect(provider.createIntent(request({ amountMinor: 1001n }))).rejects.toMatchObject({
      name: 'PaymentProviderError',
      kind: 'rejected',
    });
    const other = await provider.createIntent(request({ idempotencyKey: 'payment:p-2' }));
    expect(other.paymentIntentId).not.toBe(first.paymentIntentId);
  });

  it('refuses a zero amount and a currency that is not a code', async () => {
    const { provider } = sandbox();
    await expect(provider.createIntent(request({ amountMinor: 0n }))).rejects.toMatchObject({
      kind: 'rejected',
    });
    await expect(provider.createIntent(request({ currency: 'euro' }))).rejects.toMatchObject({
      kind: 'rejected',
    });
  });
});

describe('sandbox provider: lifecycle and webhooks', () => {
  let provider: SandboxPaymentProvider;
  let clock: { now: number };
  let intentId: string;
  beforeEach(async () => {
    ({ provider, clock } = sandbox());
    intentId = (await provider.createIntent(request())).paymentIntentId;
  });

  it('succeed: sends a signed payment_intent.succeeded that its own check reads as the neutral event', async () => {
    clock.now += 5_000;
    const webhook = provider.settle(intentId, 'succeed');
    expect(webhook.headers[SANDBOX_SIGNATURE_HEADER]).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(JSON.parse(webhook.body)).toMatchObject({ type: 'payment_intent.succeeded' });
    expect(await verify(provider, webhook)).toEqual({
      outcome: 'event',
      event: {
        provider: 'sandbox',
        providerEventId: webhook.providerEventId,
        paymentIntentId: intentId,
        metadata: { paymentId: 'p-1', wallet: 'w1', purpose: 'points-purchase' },
        kind: 'succeeded',
        amountMinor: 1000n,
        currency: 'EUR',
        occurredAtMs: START_MS + 5_000,
      },
    });
  });

  it('pending → processing → failed, each its own event', async () => {
    const processing = provider.settle(intentId, 'process');
    const failed = provider.settle(intentId, 'fail');
    expect(processing.providerEventId).not.toBe(failed.providerEventId);
    expect(await verify(provider, processing)).toMatchObject({ event: { kind: 'processing' } });
    expect(await verify(provider, failed)).toMatchObject({ event: { kind: 'failed' } });
  });

  it('the same outcome again is a redelivery: same event id, fresh signature', async () => {
    const first = provider.settle(intentId, 'succeed');
    clock.now += 3_600_000;
    const again = provider.settle(intentId, 'succeed');
    expect(again).toMatchObject({ providerEventId: first.providerEventId, redelivery: true });
    expect(again.body).toBe(first.body);
    expect(again.headers[SANDBOX_SIGNATURE_HEADER]).not.toBe(first.headers[SANDBOX_SIGNATURE_HEADER]);
    // The first delivery is now stale; the redelivery is fresh.
    expect(await verify(provider, first)).toMatchObject({ outcome: 'rejected', reason: 'stale-timestamp' });
    expect(await verify(provider, again)).toMatchObject({ outcome: 'event' });
  });

  it('a final intent takes no other outcome', () => {
    provider.settle(intentId, 'succeed');
    expect(() => provider.settle(intentId, 'fail')).toThrow(/already succeeded/);
    expect(() => provider.settle(intentId, 'cancel')).toThrow(/already succeeded/);
  });

  it('a failed attempt is not final, as at Stripe: the buyer may pay later, or it may be cancelled', async () => {
    const failed = provider.settle(intentId, 'fail');
    expect(provider.settle(intentId, 'fail')).toMatchObject({
      providerEventId: failed.providerEventId,
      redelivery: true,
    });
    const paid = provider.settle(intentId, 'succeed');
    expect(paid.redelivery).toBe(false);
    expect(await verify(provider, paid)).toMatchObject({ event: { kind: 'succeeded', amountMinor: 1000n } });
    expect(() => provider.settle(intentId, 'cancel')).toThrow(/already succeeded/);

    const other = await provider.createIntent(request({ idempotencyKey: 'k2' }));
    provider.settle(other.paymentIntentId, 'fail');
    expect(await provider.cancel(other.paymentIntentId)).toEqual({ status: 'canceled' });
    expect(() => provider.settle(other.paymentIntentId, 'succeed')).toThrow(/already canceled/);
  });

  it('cancel: ends a pending intent (twice is fine), refuses a succeeded one, and its event can be sent', async () => {
    expect(await provider.cancel(intentId)).toEqual({ status: 'canceled' });
    expect(await provider.cancel(intentId)).toEqual({ status: 'canceled' });
    expect(() => provider.settle(intentId, 'succeed')).toThrow(/already canceled/);
    const webhook = provider.settle(intentId, 'cancel');
    expect(webhook.redelivery).toBe(true);
    expect(await verify(provider, webhook)).toMatchObject({ event: { kind: 'canceled' } });

    const other = await provider.createIntent(request({ idempotencyKey: 'k2' }));
    provider.settle(other.paymentIntentId, 'succeed');
    await expect(provider.cancel(other.paymentIntentId)).rejects.toMatchObject({ kind: 'rejected' });
    await expect(provider.cancel('pi_unknown')).rejects.toMatchObject({ kind: 'rejected' });
  });

  it('finds the intent of a payment', () => {
    expect(provider.intentOfPayment('p-1')?.paymentIntentId).toBe(intentId);
    expect(provider.intentOfPayment('p-404')).toBeUndefined();
  });
});

describe('sandbox provider: verifyWebhook refusals', () => {
  it('refuses wrong secret, tampered body, missing header, stale and future timestamps', async () => {
    const { provider, clock } = sandbox();
    const { paymentIntentId } = await provider.createIntent(request());
    const webhook = provider.settle(paymentIntentId, 'succeed');
    const nowS = clock.now / 1000;
    const withHeader = (value: string) => ({ [SANDBOX_SIGNATURE_HEADER]: value });

    expect(
      await provider.verifyWebhook(
        webhook.body,
        withHeader(signatureHeader('whsec_wrong_secret_01', nowS, webhook.body)),
      ),
    ).toMatchObject({ outcome: 'rejected', reason: 'signature-mismatch' });
    expect(
      await provider.verifyWebhook(webhook.body.replace('"1000"', '"100000"'), webhook.headers),
    ).toMatchObject({ outcome: 'rejected', reason: 'signature-mismatch' });
    expect(await provider.verifyWebhook(webhook.body, {})).toMatchObject({ reason: 'missing-signature' });
    expect(
      await provider.verifyWebhook(
        webhook.body,
        withHeader(signatureHeader(SECRET, nowS - 301, webhook.body)),
      ),
    ).toMatchObject({ reason: 'stale-timestamp' });
    expect(
      await provider.verifyWebhook(
        webhook.body,
        withHeader(signatureHeader(SECRET, nowS + 301, webhook.body)),
      ),
    ).toMatchObject({ reason: 'future-timestamp' });
  });

  it('finds the header whatever its case (API Gateway lower-cases names)', async () => {
    const { provider } = sandbox();
    const { paymentIntentId } = await provider.createIntent(request());
    const webhook = provider.settle(paymentIntentId, 'succeed');
    const lower = { 'tally-signature': webhook.headers[SANDBOX_SIGNATURE_HEADER] };
    expect(await provider.verifyWebhook(webhook.body, lower)).toMatchObject({ outcome: 'event' });
  });

  it('ignores other signed event types and refuses signed bodies it cannot read', async () => {
    const { provider, clock } = sandbox();
    const nowS = clock.now / 1000;
    const signed = (body: string) => ({ [SANDBOX_SIGNATURE_HEADER]: signatureHeader(SECRET, nowS, body) });
    const created = JSON.stringify({
      id: 'evt_x',
      type: 'payment_intent.created',
      created: nowS,
      data: { object: { id: 'pi', amount: '1', currency: 'eur', metadata: {} } },
    });
    expect(await provider.verifyWebhook(created, signed(created))).toEqual({
      outcome: 'ignored',
      provider: 'sandbox',
      providerEventId: 'evt_x',
      type: 'payment_intent.created',
    });
    for (const body of [
      'not json',
      '{"id":"evt"}',
      JSON.stringify({
        id: 'e',
        type: 't',
        created: 1,
        data: { object: { id: 'pi', amount: 1.5, currency: 'eur', metadata: {} } },
      }),
    ]) {
      expect(await provider.verifyWebhook(body, signed(body))).toMatchObject({
        reason: 'unreadable-payload',
      });
    }
  });
});

describe('sandbox provider across processes (file store)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tally-sandbox-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('an intent made by one instance is settled by another, and the first sees the change', async () => {
    const paths = sandboxPaths(dir);
    const server = sandbox({
      store: new FileSandboxIntentStore(paths.intents),
      ids: sequentialIds('s'),
    }).provider;
    const cli = sandbox({
      store: new FileSandboxIntentStore(paths.intents),
      ids: sequentialIds('c'),
    }).provider;
    const created = await server.createIntent(request());
    const intent = cli.intentOfPayment('p-1');
    expect(intent).toMatchObject({
      paymentIntentId: created.paymentIntentId,
      amountMinor: 1000n,
      status: 'pending',
    });
    const webhook = cli.settle(created.paymentIntentId, 'succeed');
    expect(await server.verifyWebhook(webhook.body, webhook.headers)).toMatchObject({
      event: { kind: 'succeeded' },
    });
    expect(() => server.settle(created.paymentIntentId, 'fail')).toThrow(/already succeeded/);
    expect(fs.statSync(paths.intents).mode & 0o777).toBe(0o600);
  });

  it('refuses a file that is not a sandbox intents file', () => {
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(file, JSON.stringify({ version: 1, intents: [{ paymentIntentId: 1 }] }));
    expect(() => new FileSandboxIntentStore(file).get('x')).toThrow(/not a sandbox intents file/);
  });

  it('creates the secret once (owner-only) and reads the same one afterwards', () => {
    const file = sandboxPaths(dir).secret;
    const secret = loadOrCreateSandboxSecret(file);
    expect(secret).toMatch(/^whsec_sandbox_[0-9a-f]{48}$/);
    expect(loadOrCreateSandboxSecret(file)).toBe(secret);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });
});

describe('deliverWebhook', () => {
  it('POSTs the exact body with the signature header', async () => {
    const { provider } = sandbox();
    const { paymentIntentId } = await provider.createIntent(request());
    const webhook = provider.settle(paymentIntentId, 'succeed');
    const calls: { url: string; init: RequestInit }[] = [];
    const fakeFetch = (async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      return new Response('{"received":true}', { status: 200 });
    }) as typeof fetch;
    const answer = await deliverWebhook(fakeFetch, 'http://127.0.0.1:9/payments/webhook', webhook);
    expect(answer).toEqual({ status: 200, body: '{"received":true}' });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.init).toMatchObject({ method: 'POST', body: webhook.body, headers: webhook.headers });
  });
});
