import { SandboxPaymentProvider } from '#adapters/payments/sandbox.ts';
import type { PaymentListDeps } from '#app/payments.ts';
import { defaultRetryPolicy } from '#app/placement.ts';
import { DEFAULT_POINT_RATE } from '#domain/pricing.ts';
import type { Clock, IdGenerator } from '#ports/clock.ts';

import { InMemoryEventStore } from './in-memory-event-store.ts';

/** The sandbox's webhook secret in the payment tests. */
export const SANDBOX_SECRET = 'whsec_test_secret_0123456789';

/**
 * Payments over an in-memory store and the in-process sandbox provider, priced in EUR at the
 * default rate, retrying without sleeping: the set-up every payment use-case test starts from.
 */
export function sandboxPaymentDeps(options: {
  clock: Clock;
  ids: IdGenerator;
  hash: (text: string) => string;
}): { deps: PaymentListDeps; store: InMemoryEventStore; sandbox: SandboxPaymentProvider } {
  const store = new InMemoryEventStore();
  const sandbox = new SandboxPaymentProvider({
    secrets: [SANDBOX_SECRET],
    clock: options.clock,
    ids: options.ids,
  });
  const deps: PaymentListDeps = {
    store,
    listings: store.tradingIndex,
    clock: options.clock,
    ids: options.ids,
    retry: { ...defaultRetryPolicy, sleep: async () => {} },
    provider: sandbox,
    pricing: { currency: 'EUR', pointRate: DEFAULT_POINT_RATE },
    hash: options.hash,
  };
  return { deps, store, sandbox };
}
