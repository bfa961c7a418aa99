import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describePaymentSettings, PAYMENT_ENV, paymentSettingsFromEnv } from '#adapters/payments/config.ts';
import { createPaymentProvider } from '#adapters/payments/provider.ts';
import { SandboxPaymentProvider } from '#adapters/payments/sandbox.ts';
import { settleSandboxPayment } from '#adapters/payments/sandbox-pay.ts';
import { sandboxPaths } from '#adapters/payments/sandbox-store.ts';
import { StripePaymentProvider } from '#adapters/payments/stripe.ts';
import { parseStripeSecret } from '#adapters/payments/stripe-secret.ts';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:tally/stripe-AbCdEf';
const clock = { nowMs: () => 1_800_000_000_000 };
let counter = 0;
const ids = { newId: () => `id${++counter}` };

describe('paymentSettingsFromEnv', () => {
  it('defaults to the sandbox, EUR, 100 points for 1.00 and a 300 s window', () => {
    expect(paymentSettingsFromEnv({})).toEqual({
      provider: 'sandbox',
      currency: 'EUR',
      pointRate: { moneyMinor: 100n, points: 100n },
      toleranceSeconds: 300,
    });
  });

  it('reads every variable', () => {
    const settings = paymentSettingsFromEnv({
      [PAYMENT_ENV.provider]: 'stripe',
      [PAYMENT_ENV.stripeSecretArn]: ARN,
      [PAYMENT_ENV.currency]: 'usd',
      [PAYMENT_ENV.pointRate]: '0.01/3',
      [PAYMENT_ENV.webhookToleranceSeconds]: '120',
    });
    expect(settings).toEqual({
      provider: 'stripe',
      stripeSecretArn: ARN,
      currency: 'USD',
      pointRate: { moneyMinor: 1n, points: 3n },
      toleranceSeconds: 120,
    });
    expect(describePaymentSettings(settings)).toBe(
      'payments: stripe, USD, 0.01/3 per point block, webhook tolerance 120 s',
    );
  });

  it.each([
    [{ [PAYMENT_ENV.provider]: 'paypal' }, PAYMENT_ENV.provider],
    [{ [PAYMENT_ENV.provider]: 'stripe' }, PAYMENT_ENV.stripeSecretArn],
    [{ [PAYMENT_ENV.currency]: 'JPY' }, 'scale 2'],
    [{ [PAYMENT_ENV.currency]: 'BHD' }, 'scale 2'],
    [{ [PAYMENT_ENV.currency]: 'euro' }, PAYMENT_ENV.currency],
    [{ [PAYMENT_ENV.pointRate]: '1/0' }, PAYMENT_ENV.pointRate],
    [{ [PAYMENT_ENV.webhookToleranceSeconds]: '0' }, PAYMENT_ENV.webhookToleranceSeconds],
    [{ [PAYMENT_ENV.webhookToleranceSeconds]: 'soon' }, PAYMENT_ENV.webhookToleranceSeconds],
  ])('refuses %o, naming %s', (env, named) => {
    expect(() => paymentSettingsFromEnv(env)).toThrow(named);
  });
});

describe('parseStripeSecret', () => {
  it('reads a key and one or more webhook secrets', () => {
    expect(parseStripeSecret('{"apiKey":"sk_test_abc","webhookSecrets":["whsec_1","whsec_2"]}')).toEqual({
      apiKey: 'sk_test_abc',
      webhookSecrets: ['whsec_1', 'whsec_2'],
    });
    expect(parseStripeSecret('{"apiKey":"rk_live_abc","webhookSecret":"whsec_1"}')).toEqual({
      apiKey: 'rk_live_abc',
      webhookSecrets: ['whsec_1'],
    });
  });

  it('refuses other shapes without echoing the secret', () => {
    for (const text of [
      'sk_test_leak',
      '{"apiKey":"pk_test_leak","webhookSecrets":["whsec_1"]}',
      '{"apiKey":"sk_test_leak"}',
    ]) {
      let message = '';
      try {
        parseStripeSecret(text);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/Stripe secret/);
      expect(message).not.toContain('leak');
    }
  });
});

describe('createPaymentProvider', () => {
  it('builds Stripe from the secret it loads by ARN', async () => {
    const asked: string[] = [];
    const provider = await createPaymentProvider(
      paymentSettingsFromEnv({ [PAYMENT_ENV.provider]: 'stripe', [PAYMENT_ENV.stripeSecretArn]: ARN }),
      {
        clock,
        ids,
        loadSecret: async (arn) => {
          asked.push(arn);
          return '{"apiKey":"sk_test_abc","webhookSecrets":["whsec_1"]}';
        },
      },
    );
    expect(provider).toBeInstanceOf(StripePaymentProvider);
    expect(asked).toEqual([ARN]);
  });

  it('builds the sandbox without loading any secret', async () => {
    const provider = await createPaymentProvider(paymentSettingsFromEnv({}), {
      clock,
      ids,
      loadSecret: async () => {
        throw new Error('must not be called');
      },
    });
    expect(provider).toBeInstanceOf(SandboxPaymentProvider);
  });
});

describe('settleSandboxPayment (what `tally pay` runs)', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tally-pay-'));
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('signs with the data dir’s secret and POSTs to /payments/webhook, which the server’s sandbox accepts', async () => {
    const server = await createPaymentProvider(paymentSettingsFromEnv({ [PAYMENT_ENV.dataDir]: dataDir }), {
      clock,
      ids,
      loadSecret: async () => '',
    });
    const intent = await server.createIntent({
      amountMinor: 1000n,
      currency: 'EUR',
      idempotencyKey: 'payment:p-7',
      metadata: { paymentId: 'p-7', wallet: 'w1', purpose: 'points-purchase' },
    });
    const received: { url: string; body: string; headers: Record<string, string> }[] = [];
    const fakeFetch = (async (url: string, init: RequestInit) => {
      const headers = init.headers as Record<string, string>;
      received.push({ url, body: String(init.body), headers });
      const verification = await server.verifyWebhook(String(init.body), headers);
      return new Response(JSON.stringify({ outcome: verification.outcome }), {
        status: verification.outcome === 'rejected' ? 401 : 200,
      });
    }) as typeof fetch;
    const pay = (outcome: 'succeed' | 'fail') =>
      settleSandboxPayment({
        dataDir,
        paymentId: 'p-7',
        outcome,
        baseUrl: 'http://127.0.0.1:3000',
        fetch: fakeFetch,
        clock,
        ids,
      });

    const first = await pay('succeed');
    expect(first).toMatchObject({
      paymentIntentId: intent.paymentIntentId,
      redelivery: false,
      webhookUrl: 'http://127.0.0.1:3000/payments/webhook',
      status: 200,
      body: '{"outcome":"event"}',
    });
    const again = await pay('succeed');
    expect(again).toMatchObject({ providerEventId: first.providerEventId, redelivery: true, status: 200 });
    await expect(pay('fail')).rejects.toThrow(/already succeeded/);
    expect(received).toHaveLength(2);
    expect(fs.existsSync(sandboxPaths(dataDir).secret)).toBe(true);
  });

  it('says where it looked when the payment has no sandbox intent', async () => {
    await expect(
      settleSandboxPayment({
        dataDir,
        paymentId: 'p-404',
        outcome: 'succeed',
        baseUrl: 'http://x',
        fetch,
        clock,
        ids,
      }),
    ).rejects.toThrow(/no sandbox payment p-404 in .*sandbox-intents\.json/);
  });
});
