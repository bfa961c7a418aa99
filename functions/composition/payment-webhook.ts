/**
 * The payment webhook's composition, apart from the payments and orders functions' (payments.ts):
 * it takes the two-wallet append kinds (composition/two-wallet.ts), one of them loaded with
 * `import()`, which would otherwise be in the module graph of every payment function.
 */
import { readPaymentEventsFast } from '#adapters/dynamodb/table-layout/payment-event-fast.ts';
import { withWalletAndHead } from '#adapters/dynamodb/wallet-and-head.ts';
import type { PaymentDeps } from '#app/payments.ts';
import { PAYMENT_LISTING_WRITES } from './index-writes.ts';
import { ONE_WALLET_WRITES } from './lane-zero.ts';
import { paymentDepsWith } from './payments.ts';
import { TWO_WALLET_WRITES } from './two-wallet.ts';

// The webhook's first call reads the payment's wallet, which holds its PaymentRequested (and earlier
// payments' successes): the event item's fast path reads those too, so that no schema is built for
// them (payment-event-fast.ts). Here, not in payments.ts: the orders bundle is at its size goal.
readPaymentEventsFast();

/**
 * The provider's webhook: a success moves the order's held points to the merchant, a two-wallet
 * write (app/payment-webhook.ts → two-wallet-command.ts), so it takes the two-wallet kinds too.
 * It lists nothing: no listing reader.
 */
export async function paymentWebhookDeps(): Promise<PaymentDeps> {
  const deps = await paymentDepsWith(ONE_WALLET_WRITES, TWO_WALLET_WRITES, PAYMENT_LISTING_WRITES);
  // A state folded from nothing is one read, lane 0's head with it (app/exact-state.ts exactStateNow).
  return { ...deps, store: withWalletAndHead(deps.store) };
}
