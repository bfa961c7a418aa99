import * as z from 'zod/mini';
import { zodEnglish } from '#app/zod-wording.ts';
import { DEFAULT_POINT_RATE, formatPointRate, type PointRate, parsePointRate } from '#domain/pricing.ts';
import { WEBHOOK_TOLERANCE_SECONDS_DEFAULT } from '#ports/payment-provider.ts';

/**
 * Which payment provider a function instance uses, and the prices, from its environment. The stack
 * sets these (`-c paymentProvider=stripe` → `stripe` and the secret's ARN); the local runtime
 * leaves the provider at `sandbox`. Read once per instance: a bad value fails the cold start with
 * a message naming the variable, never a request.
 */
export const PAYMENT_ENV = {
  /** `sandbox` (default) or `stripe`. */
  provider: 'TALLY_PAYMENT_PROVIDER',
  /** Secrets Manager secret (ARN) holding `{"apiKey":"sk_…","webhookSecrets":["whsec_…"]}`. Stripe only. */
  stripeSecretArn: 'TALLY_STRIPE_SECRET_ARN',
  /** ISO 4217 code of the money the ledger holds; a currency with 2 decimals (EUR default). */
  currency: 'TALLY_PAYMENT_CURRENCY',
  /** What points cost: `"<price>/<points>"`, default `"1.00/100"`. */
  pointRate: 'TALLY_POINT_RATE',
  /** Freshness window of webhook timestamps in seconds, default 300. */
  webhookToleranceSeconds: 'TALLY_WEBHOOK_TOLERANCE_SECONDS',
  /** The sandbox's signing secret; else the one in the data dir (created on first use). */
  sandboxWebhookSecret: 'TALLY_SANDBOX_WEBHOOK_SECRET',
  /** The local runtime's data dir: the sandbox keeps its intents and secret under `payments/`. */
  dataDir: 'TALLY_DATA_DIR',
} as const;

export interface PaymentSettings {
  provider: 'sandbox' | 'stripe';
  /** ISO 4217, upper case. */
  currency: string;
  pointRate: PointRate;
  toleranceSeconds: number;
  stripeSecretArn?: string;
  sandboxWebhookSecret?: string;
  dataDir?: string;
}

/** True when the currency has exactly two decimals (the ledger's money scale) per ICU's ISO 4217 data. */
function hasTwoDecimals(currency: string): boolean {
  try {
    const format = new Intl.NumberFormat('en', { style: 'currency', currency });
    return format.resolvedOptions().maximumFractionDigits === 2;
  } catch {
    return false;
  }
}

const optional = z.pipe(
  z.optional(z.string()),
  z.transform((value: string | undefined) => (value?.trim() ? value.trim() : undefined)),
);

const envSchema = z
  .object({
    [PAYMENT_ENV.provider]: z.pipe(optional, z._default(z.enum(['sandbox', 'stripe']), 'sandbox')),
    [PAYMENT_ENV.stripeSecretArn]: z.pipe(optional, z.optional(z.string().check(z.startsWith('arn:')))),
    [PAYMENT_ENV.currency]: z.pipe(
      optional,
      z._default(
        z
          .pipe(
            z.string().check(z.regex(/^[A-Za-z]{3}$/, 'an ISO 4217 code')),
            z.transform((code: string) => code.toUpperCase()),
          )
          .check(
            z.refine(hasTwoDecimals, 'a currency with 2 decimals, as the ledger keeps money at scale 2'),
          ),
        'EUR',
      ),
    ),
    [PAYMENT_ENV.pointRate]: optional,
    [PAYMENT_ENV.webhookToleranceSeconds]: z.pipe(
      optional,
      z._default(
        z.pipe(
          z.pipe(z.string().check(z.regex(/^\d{1,4}$/, 'whole seconds')), z.transform(Number)),
          z.number().check(z.gte(1), z.lte(3600)),
        ),
        WEBHOOK_TOLERANCE_SECONDS_DEFAULT,
      ),
    ),
    [PAYMENT_ENV.sandboxWebhookSecret]: z.pipe(optional, z.optional(z.string().check(z.minLength(16)))),
    [PAYMENT_ENV.dataDir]: optional,
  })
  .check(
    z.refine(
      (env) => env[PAYMENT_ENV.provider] !== 'stripe' || env[PAYMENT_ENV.stripeSecretArn] !== undefined,
      {
        message: `${PAYMENT_ENV.provider}=stripe needs ${PAYMENT_ENV.stripeSecretArn}`,
        path: [PAYMENT_ENV.stripeSecretArn],
      },
    ),
  );

/** Reads the payment settings; throws an Error naming each bad variable. */
export function paymentSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): PaymentSettings {
  // zod/mini installs no messages: zod's English where a check words none itself.
  const parsed = z.safeParse(envSchema, env, { error: zodEnglish });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`payment configuration: ${problems.join('; ')}`);
  }
  const values = parsed.data;
  const rateText = values[PAYMENT_ENV.pointRate];
  let pointRate = DEFAULT_POINT_RATE;
  if (rateText !== undefined) {
    try {
      pointRate = parsePointRate(rateText);
    } catch (error) {
      throw new Error(`payment configuration: ${PAYMENT_ENV.pointRate}: ${(error as Error).message}`);
    }
  }
  return {
    provider: values[PAYMENT_ENV.provider],
    currency: values[PAYMENT_ENV.currency],
    pointRate,
    toleranceSeconds: values[PAYMENT_ENV.webhookToleranceSeconds],
    ...(values[PAYMENT_ENV.stripeSecretArn] ? { stripeSecretArn: values[PAYMENT_ENV.stripeSecretArn] } : {}),
    ...(values[PAYMENT_ENV.sandboxWebhookSecret]
      ? { sandboxWebhookSecret: values[PAYMENT_ENV.sandboxWebhookSecret] }
      : {}),
    ...(values[PAYMENT_ENV.dataDir] ? { dataDir: values[PAYMENT_ENV.dataDir] } : {}),
  };
}

/** A one-line description for startup logs (no secrets). */
export const describePaymentSettings = (settings: PaymentSettings): string =>
  `payments: ${settings.provider}, ${settings.currency}, ${formatPointRate(settings.pointRate)} per point block, ` +
  `webhook tolerance ${settings.toleranceSeconds} s`;
