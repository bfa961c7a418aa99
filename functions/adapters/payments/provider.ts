import type { Clock, IdGenerator } from '#ports/clock.ts';
import type { PaymentProvider } from '#ports/payment-provider.ts';
import { PAYMENT_ENV, type PaymentSettings } from './config.ts';

export interface ProviderDeps {
  clock: Clock;
  ids: IdGenerator;
  /** Reads a secret string by ARN (Secrets Manager's GetSecretValue in AWS); only Stripe calls it. */
  loadSecret: (arn: string) => Promise<string>;
}

/**
 * Builds the configured provider. The sandbox keeps its intents in the data dir when there is one
 * (so `tally pay` in another process can settle them), else in memory. Each provider's adapter is
 * imported here, on the first request: a stack runs one provider, so its payment functions never
 * load the other's code (Stripe's adapter in AWS, the sandbox locally; about 6–10 KB each).
 */
export async function createPaymentProvider(
  settings: PaymentSettings,
  deps: ProviderDeps,
): Promise<PaymentProvider> {
  if (settings.provider === 'stripe') {
    if (settings.stripeSecretArn === undefined) throw new Error(`${PAYMENT_ENV.stripeSecretArn} is not set`);
    const { parseStripeSecret } = await import('./stripe-secret.ts');
    const secret = parseStripeSecret(await deps.loadSecret(settings.stripeSecretArn));
    const { loadStripeSdk, StripePaymentProvider } = await import('./stripe.ts');
    return new StripePaymentProvider({
      sdk: await loadStripeSdk(),
      apiKey: secret.apiKey,
      webhookSecrets: secret.webhookSecrets,
      clock: deps.clock,
      toleranceSeconds: settings.toleranceSeconds,
    });
  }
  return (await import('./sandbox-provider.ts')).sandboxProvider(settings, deps);
}
