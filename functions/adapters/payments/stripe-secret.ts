/**
 * The Stripe secret (Secrets Manager) and its parse: read only by a stack whose provider is Stripe,
 * with the Stripe adapter, so a function's cold start (and a sandbox stack) does not carry it
 * (adapters/payments/provider.ts imports it with the adapter, on the first request).
 */
import * as z from 'zod/mini';

/** The Stripe secret's JSON, as stored in Secrets Manager. */
const stripeSecretSchema = z.union([
  z.object({
    apiKey: z.string().check(z.regex(/^(sk|rk)_(test|live)_\w+$/, 'a Stripe secret or restricted key')),
    webhookSecrets: z
      .array(z.string().check(z.regex(/^whsec_\w+$/, 'a webhook signing secret (whsec_…)')))
      .check(z.minLength(1), z.maxLength(4)),
  }),
  z.pipe(
    z.object({
      apiKey: z.string().check(z.regex(/^(sk|rk)_(test|live)_\w+$/)),
      webhookSecret: z.string().check(z.regex(/^whsec_\w+$/)),
    }),
    z.transform(({ apiKey, webhookSecret }: { apiKey: string; webhookSecret: string }) => ({
      apiKey,
      webhookSecrets: [webhookSecret],
    })),
  ),
]);

export interface StripeSecret {
  apiKey: string;
  webhookSecrets: [string, ...string[]];
}

/** Parses the secret string; the error never repeats the secret's text. */
export function parseStripeSecret(text: string): StripeSecret {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('the Stripe secret is not JSON: expected {"apiKey":"sk_…","webhookSecrets":["whsec_…"]}');
  }
  const parsed = z.safeParse(stripeSecretSchema, json);
  if (!parsed.success) {
    throw new Error('the Stripe secret needs "apiKey" (sk_… or rk_…) and "webhookSecrets" (["whsec_…"])');
  }
  const [first, ...rest] = parsed.data.webhookSecrets;
  if (first === undefined) throw new Error('the Stripe secret has no webhook secret');
  return { apiKey: parsed.data.apiKey, webhookSecrets: [first, ...rest] };
}
