import type { AppendKinds } from '#adapters/dynamodb/append-kinds.ts';
import { sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { describePaymentSettings } from '#adapters/payments/config.ts';
import { createPaymentProvider } from '#adapters/payments/provider.ts';
import { loadSecretString } from '#adapters/payments/secrets.ts';
import type { PaymentDeps, PaymentListDeps } from '#app/payments.ts';
import { logger } from '#observability/powertools.ts';
import type { PaymentProvider } from '#ports/payment-provider.ts';
import { eventStoreFromEnv, paymentIndexFromEnv } from './adapters.ts';
import { paymentSettings } from './config.ts';
import { PAYMENT_LISTING_WRITES, TRADING_INDEX_WRITES } from './index-writes.ts';
import { clockAndIds } from './lambda.ts';
import { ONE_WALLET_WRITES } from './lane-zero.ts';

// Apart from lambda.ts, which every function imports: createPaymentProvider imports each provider's
// adapter with import(), and esbuild writes a chunk for every import() in a bundle's module graph.
// Reached only from the payment functions, those chunks (and their `stripe` import) are theirs alone.
let paymentProvider: Promise<PaymentProvider> | undefined;

/**
 * Payments and orders: the event store, the configured provider (the sandbox locally, Stripe with
 * its keys from Secrets Manager in AWS), built once per instance, the payment listings and the
 * prices. Purchases, orders and refunds by route write one wallet (app/payments.ts, orders.ts,
 * refunds.ts all go through handleCommand), so these two functions bundle only the one-wallet
 * append kinds; the webhook's are in composition/payment-webhook.ts.
 */
export const paymentDeps = async (): Promise<PaymentListDeps> => ({
  ...(await paymentDepsWith(ONE_WALLET_WRITES, PAYMENT_LISTING_WRITES)),
  // The payment listing alone, not the whole trading index (offer book, expiries).
  listings: paymentIndexFromEnv(),
});

/** Orders: as payments, and an order holds its points (an expiry entry; a spend may end offers). */
export const orderDeps = async (): Promise<PaymentListDeps> => ({
  ...(await paymentDepsWith(ONE_WALLET_WRITES, TRADING_INDEX_WRITES)),
  listings: paymentIndexFromEnv(),
});

/** The payment functions' dependencies with the append kinds their writes call. */
export async function paymentDepsWith(...kinds: AppendKinds[]): Promise<PaymentDeps> {
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
    store: eventStoreFromEnv(...kinds),
    ...clockAndIds(),
    provider: await paymentProvider,
    pricing: { currency: settings.currency, pointRate: settings.pointRate },
    hash: sha256Hex,
    log: (message, detail) => logger.warn(message, detail),
  };
}
