import type { Clock, IdGenerator } from '#ports/clock.ts';
import { PaymentProviderError } from '#ports/payment-provider.ts';
import { deliverWebhook, type SandboxOutcome } from './sandbox.ts';
import { sandboxProvider } from './sandbox-provider.ts';
import { sandboxPaths } from './sandbox-store.ts';

/**
 * What `tally pay succeed|fail <paymentId> [--url URL]` does, apart from parsing its command line:
 * it plays the buyer and the provider. It finds the sandbox intent of the payment in the data dir
 * that `npm start` shares, moves it, signs the provider's webhook with the data dir's secret and
 * POSTs it to `<url>/payments/webhook` — the same public route, signature check and code path a
 * real provider's delivery takes. Running it twice re-delivers the same event (same id), which
 * Tally must apply once.
 */
export interface SandboxPayRequest {
  /** The running `npm start`'s data dir (`--data-dir`, TALLY_DATA_DIR, or `.tally`). */
  dataDir: string;
  /** Overrides the data dir's secret (TALLY_SANDBOX_WEBHOOK_SECRET), as the server's does. */
  sandboxWebhookSecret?: string;
  paymentId: string;
  /** `refund`: a refund made at the provider (its dashboard): what is left, given back. */
  outcome: Extract<SandboxOutcome, 'succeed' | 'fail' | 'refund'>;
  /** The API's base URL, without a trailing slash. */
  baseUrl: string;
  fetch: typeof fetch;
  clock: Clock;
  ids: IdGenerator;
}

export interface SandboxPayResult {
  paymentIntentId: string;
  providerEventId: string;
  redelivery: boolean;
  webhookUrl: string;
  /** Tally's answer to the webhook: 2xx means accepted (a provider would retry anything else). */
  status: number;
  body: string;
}

/** @throws PaymentProviderError when the data dir holds no intent for the payment, or the intent is final. */
export async function settleSandboxPayment(request: SandboxPayRequest): Promise<SandboxPayResult> {
  const provider = sandboxProvider(
    {
      dataDir: request.dataDir,
      // Only verification reads the tolerance; here the sandbox signs, so any value does.
      toleranceSeconds: 300,
      ...(request.sandboxWebhookSecret ? { sandboxWebhookSecret: request.sandboxWebhookSecret } : {}),
    },
    { clock: request.clock, ids: request.ids },
  );
  const intent = provider.intentOfPayment(request.paymentId);
  if (intent === undefined) {
    throw new PaymentProviderError(
      'rejected',
      `no sandbox payment ${request.paymentId} in ${sandboxPaths(request.dataDir).intents}; ` +
        'is `npm start` running with the sandbox provider and this data dir?',
    );
  }
  const webhook = provider.settle(intent.paymentIntentId, request.outcome);
  const webhookUrl = `${request.baseUrl}/payments/webhook`;
  const answer = await deliverWebhook(request.fetch, webhookUrl, webhook);
  return {
    paymentIntentId: intent.paymentIntentId,
    providerEventId: webhook.providerEventId,
    redelivery: webhook.redelivery,
    webhookUrl,
    ...answer,
  };
}
