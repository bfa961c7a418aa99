import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { readStripeEvent, StripePaymentProvider } from '#adapters/payments/stripe.ts';
import type { CreateIntentRequest } from '#ports/payment-provider.ts';

/**
 * The Stripe adapter with Stripe's HTTP layer replaced (the machine has no network): a fake
 * `fetch` given to the package's own fetch client records each request and answers Stripe-shaped
 * JSON. Webhooks are signed with the package's `generateTestHeaderString`.
 */
const WEBHOOK_SECRET = 'whsec_test_stripe_0123456789';
const NOW_MS = 1_800_000_000_000;
const NOW_S = NOW_MS / 1000;

interface Recorded {
  method: string;
  url: URL;
  headers: Headers;
  form: URLSearchParams;
}

type Answer = { status: number; json: unknown } | Error;

function fakeStripe(answers: Answer[]) {
  const requests: Recorded[] = [];
  const fetchFn = (async (input: string | URL, init?: RequestInit) => {
    requests.push({
      method: init?.method ?? 'GET',
      url: new URL(String(input)),
      headers: new Headers(init?.headers),
      form: new URLSearchParams(typeof init?.body === 'string' ? init.body : ''),
    });
    const answer = answers.shift();
    if (answer === undefined) throw new Error('unexpected request');
    if (answer instanceof Error) throw answer;
    return new Response(JSON.stringify(answer.json), {
      status: answer.status,
      headers: { 'content-type': 'application/json', 'request-id': 'req_test' },
    });
  }) as typeof fetch;
  const provider = new StripePaymentProvider({
    sdk: Stripe,
    apiKey: 'sk_test_fake',
    webhookSecrets: [WEBHOOK_SECRET],
    clock: { nowMs: () => NOW_MS },
    config: { httpClient: Stripe.createFetchHttpClient(fetchFn), maxNetworkRetries: 0 },
  });
  return { provider, requests };
}

const intentJson = (overrides: Record<string, unknown> = {}) => ({
  id: 'pi_123',
  object: 'payment_intent',
  amount: 1000,
  amount_received: 0,
  currency: 'eur',
  status: 'requires_payment_method',
  client_secret: 'pi_123_secret_abc',
  next_action: null,
  metadata: { paymentId: 'p-1', wallet: 'w1', purpose: 'points-purchase' },
  ...overrides,
});

const request: CreateIntentRequest = {
  amountMinor: 1000n,
  currency: 'EUR',
  idempotencyKey: 'payment:p-1',
  metadata: { paymentId: 'p-1', wallet: 'w1', purpose: 'points-purchase' },
};

const stripeError = (status: number, type: string, code?: string) => ({
  status,
  json: { error: { type, message: `${type} from the fake`, ...(code ? { code } : {}) } },
});

describe('Stripe adapter: PaymentIntents', () => {
  it('creates an intent with our idempotency key, amount in minor units and metadata', async () => {
    const { provider, requests } = fakeStripe([{ status: 200, json: intentJson() }]);
    const intent = await provider.createIntent(request);
    expect(intent).toEqual({
      provider: 'stripe',
      paymentIntentId: 'pi_123',
      status: 'pending',
      amountMinor: 1000n,
      currency: 'EUR',
      customerAction: { kind: 'client-secret', clientSecret: 'pi_123_secret_abc' },
    });
    expect(requests).toHaveLength(1);
    const sent = requests[0];
    expect(sent?.method).toBe('POST');
    expect(sent?.url.pathname).toBe('/v1/payment_intents');
    expect(sent?.headers.get('idempotency-key')).toBe('payment:p-1');
    expect(Object.fromEntries(sent?.form ?? [])).toEqual({
      amount: '1000',
      currency: 'eur',
      'automatic_payment_methods[enabled]': 'true',
      'metadata[paymentId]': 'p-1',
      'metadata[wallet]': 'w1',
      'metadata[purpose]': 'points-purchase',
    });
  });

  it('answers a redirect when Stripe asks for one', async () => {
    const redirect = {
      type: 'redirect_to_url',
      redirect_to_url: { url: 'https://pay.example/r/1', return_url: null },
    };
    const { provider } = fakeStripe([
      { status: 200, json: intentJson({ status: 'requires_action', next_action: redirect }) },
    ]);
    expect((await provider.createIntent(request)).customerAction).toEqual({
      kind: 'redirect',
      redirectUrl: 'https://pay.example/r/1',
    });
  });

  it('refuses amounts a JSON number cannot carry exactly, without calling Stripe', async () => {
    const { provider, requests } = fakeStripe([]);
    await expect(provider.createIntent({ ...request, amountMinor: 2n ** 53n })).rejects.toMatchObject({
      kind: 'rejected',
    });
    expect(requests).toHaveLength(0);
  });

  it.each<[string, Answer, 'rejected' | 'unavailable']>([
    ['a 400 invalid request', stripeError(400, 'invalid_request_error', 'amount_too_small'), 'rejected'],
    ['a reused idempotency key', stripeError(400, 'idempotency_error'), 'rejected'],
    ['a 500', stripeError(500, 'api_error'), 'unavailable'],
    ['a 429', stripeError(429, 'rate_limit_error'), 'unavailable'],
    ['no network', new TypeError('fetch failed'), 'unavailable'],
  ])('maps %s to %s', async (_name, answer, kind) => {
    const { provider } = fakeStripe([answer]);
    await expect(provider.createIntent(request)).rejects.toMatchObject({
      name: 'PaymentProviderError',
      kind,
    });
  });

  it('cancels with an idempotency key', async () => {
    const { provider, requests } = fakeStripe([{ status: 200, json: intentJson({ status: 'canceled' }) }]);
    expect(await provider.cancel('pi_123', { idempotencyKey: 'cancel:p-1' })).toEqual({ status: 'canceled' });
    expect(requests[0]?.url.pathname).toBe('/v1/payment_intents/pi_123/cancel');
    expect(requests[0]?.headers.get('idempotency-key')).toBe('cancel:p-1');
  });

  it('treats cancelling a cancelled intent as done, and a succeeded one as refused', async () => {
    const unexpected = stripeError(400, 'invalid_request_error', 'payment_intent_unexpected_state');
    const again = fakeStripe([unexpected, { status: 200, json: intentJson({ status: 'canceled' }) }]);
    expect(await again.provider.cancel('pi_123', { idempotencyKey: 'c' })).toEqual({ status: 'canceled' });
    expect(again.requests[1]?.method).toBe('GET');
    const paid = fakeStripe([unexpected, { status: 200, json: intentJson({ status: 'succeeded' }) }]);
    await expect(paid.provider.cancel('pi_123', { idempotencyKey: 'c' })).rejects.toMatchObject({
      kind: 'rejected',
    });
  });
});

const event = (type: string, object: Record<string, unknown> = intentJson(), id = 'evt_1') =>
  JSON.stringify({ id, object: 'event', type, created: NOW_S - 10, data: { object } }, null, 2);

const signed = (payload: string, timestamp = NOW_S, secret = WEBHOOK_SECRET) => ({
  'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp }),
});

describe('Stripe adapter: webhooks', () => {
  const { provider } = fakeStripe([]);

  it.each([
    ['payment_intent.succeeded', 'succeeded', 990],
    ['payment_intent.payment_failed', 'failed', 1000],
    ['payment_intent.canceled', 'canceled', 1000],
    ['payment_intent.processing', 'processing', 1000],
  ])('maps %s to %s', async (type, kind, amount) => {
    const payload = event(type, intentJson({ amount_received: 990 }));
    expect(await provider.verifyWebhook(payload, signed(payload))).toEqual({
      outcome: 'event',
      event: {
        provider: 'stripe',
        providerEventId: 'evt_1',
        paymentIntentId: 'pi_123',
        metadata: { paymentId: 'p-1', wallet: 'w1', purpose: 'points-purchase' },
        kind,
        amountMinor: BigInt(amount),
        currency: 'EUR',
        occurredAtMs: (NOW_S - 10) * 1000,
      },
    });
  });

  it("answers a redelivered event again with the same id: deduplication is the caller's, by providerEventId", async () => {
    const payload = event('payment_intent.succeeded');
    const first = await provider.verifyWebhook(payload, signed(payload, NOW_S - 60));
    const again = await provider.verifyWebhook(payload, signed(payload, NOW_S));
    expect(first).toMatchObject({ outcome: 'event', event: { providerEventId: 'evt_1' } });
    expect(again).toEqual(first);
  });

  it('acknowledges other event types without acting', async () => {
    const payload = event('charge.succeeded', { id: 'ch_1' }, 'evt_9');
    expect(await provider.verifyWebhook(payload, signed(payload))).toEqual({
      outcome: 'ignored',
      provider: 'stripe',
      providerEventId: 'evt_9',
      type: 'charge.succeeded',
    });
  });

  it('refuses wrong secret, tampered body, missing header, stale and future timestamps', async () => {
    const payload = event('payment_intent.succeeded');
    const refusal = async (body: string, headers: Record<string, string>) =>
      provider.verifyWebhook(body, headers);
    expect(await refusal(payload, signed(payload, NOW_S, 'whsec_someone_else'))).toMatchObject({
      outcome: 'rejected',
      reason: 'signature-mismatch',
    });
    expect(
      await refusal(payload.replace('"amount": 1000', '"amount": 100000'), signed(payload)),
    ).toMatchObject({
      reason: 'signature-mismatch',
    });
    expect(await refusal(payload, {})).toMatchObject({ reason: 'missing-signature' });
    expect(await refusal(payload, { 'stripe-signature': 'garbage' })).toMatchObject({
      reason: 'malformed-signature',
    });
    expect(await refusal(payload, signed(payload, NOW_S - 301))).toMatchObject({ reason: 'stale-timestamp' });
    expect(await refusal(payload, signed(payload, NOW_S + 301))).toMatchObject({
      reason: 'future-timestamp',
    });
    expect(await refusal(payload, signed(payload, NOW_S - 299))).toMatchObject({ outcome: 'event' });
  });

  it('accepts a rotated secret', async () => {
    const rotating = new StripePaymentProvider({
      sdk: Stripe,
      apiKey: 'sk_test_fake',
      webhookSecrets: ['whsec_new_secret_000000', WEBHOOK_SECRET],
      clock: { nowMs: () => NOW_MS },
    });
    const payload = event('payment_intent.succeeded');
    expect(await rotating.verifyWebhook(payload, signed(payload))).toMatchObject({ outcome: 'event' });
  });

  it('refuses a signed body that is not an event it can read', async () => {
    for (const payload of ['not json', event('payment_intent.succeeded', { id: 'pi_1', amount: 'ten' })]) {
      expect(await provider.verifyWebhook(payload, signed(payload))).toMatchObject({
        reason: 'unreadable-payload',
      });
    }
  });

  it.each([{}, { paymentId: 'p-1', wallet: 'w1' }, { paymentId: 'p-1', wallet: 'w1', purpose: 'gift' }])(
    'reads an event without all of our metadata (%o) as one with none',
    (metadata) => {
      const parsed = readStripeEvent(JSON.parse(event('payment_intent.canceled', intentJson({ metadata }))));
      expect(parsed).toMatchObject({ outcome: 'event', event: { metadata: null, kind: 'canceled' } });
    },
  );
});

describe('Stripe adapter: refunds', () => {
  const charge = (overrides: Record<string, unknown> = {}) => ({
    id: 'ch_1',
    object: 'charge',
    amount: 1000,
    amount_refunded: 400,
    currency: 'eur',
    payment_intent: 'pi_123',
    metadata: { paymentId: 'p-1', wallet: 'w1', purpose: 'points-purchase' },
    refunds: { object: 'list', data: [{ id: 're_2' }, { id: 're_1' }] },
    ...overrides,
  });

  it('maps a signed charge.refunded to refunded: the newest refund id and the total refunded so far', async () => {
    const { provider } = fakeStripe([]);
    const payload = event('charge.refunded', charge(), 'evt_r');
    expect(await provider.verifyWebhook(payload, signed(payload))).toEqual({
      outcome: 'event',
      event: {
        provider: 'stripe',
        providerEventId: 'evt_r',
        paymentIntentId: 'pi_123',
        metadata: { paymentId: 'p-1', wallet: 'w1', purpose: 'points-purchase' },
        kind: 'refunded',
        amountMinor: 1000n,
        currency: 'EUR',
        occurredAtMs: (NOW_S - 10) * 1000,
        refund: { refundId: 're_2', refundedTotalMinor: 400n },
      },
    });
    // Without the refunds list (newer API versions), the charge and its total name the refund.
    const bare = event('charge.refunded', charge({ refunds: undefined }), 'evt_s');
    expect(await provider.verifyWebhook(bare, signed(bare))).toMatchObject({
      event: { refund: { refundId: 'ch_1:400', refundedTotalMinor: 400n } },
    });
    // Tampered after signing: refused before it is read.
    const tampered = payload.replace('"amount_refunded": 400', '"amount_refunded": 1000');
    expect(tampered).not.toBe(payload);
    expect(await provider.verifyWebhook(tampered, signed(payload))).toMatchObject({
      outcome: 'rejected',
      reason: 'signature-mismatch',
    });
  });

  it('reads Tally’s references from the PaymentIntent when the refunded charge does not carry them', async () => {
    const { provider, requests } = fakeStripe([
      {
        status: 200,
        json: intentJson({
          id: 'pi_123',
          metadata: { paymentId: 'p-1', wallet: 'w1', purpose: 'points-purchase' },
        }),
      },
    ]);
    const payload = event('charge.refunded', charge({ metadata: {} }), 'evt_m');
    expect(await provider.verifyWebhook(payload, signed(payload))).toMatchObject({
      outcome: 'event',
      event: {
        paymentIntentId: 'pi_123',
        metadata: { paymentId: 'p-1', wallet: 'w1', purpose: 'points-purchase' },
        kind: 'refunded',
        refund: { refundId: 're_2', refundedTotalMinor: 400n },
      },
    });
    expect(requests.map((r) => `${r.method} ${r.url.pathname}`)).toEqual(['GET /v1/payment_intents/pi_123']);
    // A charge with the references asks nothing; Stripe unreachable: the delivery fails (a 5xx,
    // so Stripe sends it again) instead of being ignored as someone else's.
    const unreachable = fakeStripe([new Error('connection reset')]);
    await expect(unreachable.provider.verifyWebhook(payload, signed(payload))).rejects.toThrow();
  });

  it('asks Stripe for a refund of the amount, with the idempotency key', async () => {
    const { provider, requests } = fakeStripe([
      {
        status: 200,
        json: { id: 're_9', object: 'refund', amount: 600, currency: 'eur', status: 'succeeded' },
      },
    ]);
    expect(await provider.refund('pi_123', { amountMinor: 600n, idempotencyKey: 'tally-refund-x' })).toEqual({
      refundId: 're_9',
      amountMinor: 600n,
      currency: 'EUR',
    });
    expect(requests[0]?.url.pathname).toBe('/v1/refunds');
    expect(requests[0]?.form.get('payment_intent')).toBe('pi_123');
    expect(requests[0]?.form.get('amount')).toBe('600');
    expect(requests[0]?.headers.get('idempotency-key')).toBe('tally-refund-x');
  });
});
