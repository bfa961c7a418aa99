import { sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { describePaymentSettings } from '#adapters/payments/config.ts';
import { createPaymentProvider } from '#adapters/payments/provider.ts';
import { loadSecretString } from '#adapters/payments/secrets.ts';
import type { PaymentDeps } from '#app/payments.ts';
import { logger } from '#observability/powertools.ts';
import type { PaymentProvider } from '#ports/payment-provider.ts';
import { eventStoreFromEnv, ONE_WALLET_WRITES, TWO_WALLET_WRITES, tradingIndexFromEnv } from './adapters.ts';
import { paymentSettings } from './config.ts';
import { clockAndIds } from './lambda.ts';

// Apart from lambda.ts, which every function imports: createPaymentProvider imports each provider's
// adapter with import(), and esbuild writes a chunk for every import() in a bundle's module graph.
// Reached only from the payment functions, those chunks (and their `stripe` import) are theirs alone.
let paymentProvider: Promise<PaymentProvider> | undefined;

/**
 * Payments and orders: the event store, the configured provider (the sandbox locally, Stripe with
 * its keys from Secrets Manager in AWS), built once per instance, and the prices.
 */
export async function paymentDeps(): Promise<PaymentDeps> {
  const settings = paymentSettings();
  if (paymentProvider === undefined) {
    logger.info(describePaymentSettings(settings));
    paymentProvider = createPaymentProvider(settings, { ...clockAndIds(), loadSecret: loadSecretString });
    // A failed start (a missing secret) is tried again by the next request, not cached.
    paymentProvider.catch(() => {
      paymentProvider = undefined;
    });
  }
  return {
    // A webhook's success moves held points to the merchant: a two-wallet write.
    store: eventStoreFromEnv(ONE_WALLET_WRITES, TWO_WALLET_WRITES),
    listings: tradingIndexFromEnv(),
    ...clockAndIds(),
    provider: await paymentProvider,
    pricing: { currency: settings.currency, pointRate: settings.pointRate },
    hash: sha256Hex,
    log: (message, detail) => logger.warn(message, detail),
  };
}
