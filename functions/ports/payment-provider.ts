/**
 * The payment provider port: what Tally needs of a third party that takes cash (Stripe, the local
 * sandbox; Adyen, Alipay or WeChat Pay later). Tally asks it for a payment intent, may cancel one,
 * and learns how each intent ended ONLY from the provider's signed webhooks, normalised here into
 * one provider-neutral {@link ProviderEvent}.
 *
 * Why one adapter per provider is enough: everything provider-specific sits behind three calls.
 * - `createIntent` maps to the provider's "create a payment" call: Stripe PaymentIntents, Adyen
 *   `/sessions` (or `/payments`), Alipay `alipay.trade.page.pay` / `precreate`, WeChat Pay v3
 *   `/v3/pay/transactions/native|jsapi`. What the buyer's client needs next is either a client
 *   secret (Stripe, Adyen's session data) or a URL to send the buyer to (Alipay's page, WeChat's
 *   `code_url` QR payload): {@link CustomerAction} carries one or the other.
 * - `cancel` maps to Stripe's cancel, Adyen's `/cancels`, Alipay `alipay.trade.close`, WeChat's
 *   `/close`.
 * - `verifyWebhook` hides the signature scheme: Stripe's `t=…,v1=…` HMAC, Adyen's HMAC over the
 *   notification item, Alipay's RSA2 signature over the sorted form fields, WeChat Pay's
 *   `Wechatpay-Signature` RSA check plus AES-GCM decryption of `resource`. Each maps its own event
 *   names (`payment_intent.succeeded`, Adyen `AUTHORISATION success=true`, Alipay
 *   `TRADE_SUCCESS`, WeChat `TRANSACTION.SUCCESS`) to a {@link ProviderEventKind}.
 * Our `paymentId` travels as the provider's metadata / merchant reference (Adyen `reference`,
 * Alipay `out_trade_no`, WeChat `out_trade_no`), so every event names the payment it is about.
 * One delivery carries one event here. Adyen's notification format is a list of items; its
 * adapter would read a one-item list (or, if batches must be accepted, `verifyWebhook` would
 * answer a list — the one change to this port that adapter could need).
 *
 * Money crosses this port as bigint minor units with an ISO 4217 currency code; adapters convert
 * to the provider's wire format (Stripe: integer smallest unit, Alipay: decimal yuan string).
 */

/** Why Tally takes the cash: buying points, or the cash part of an order paid with points + cash. */
export type PaymentPurpose = 'points-purchase' | 'order';

/** Tally's references, stored with the intent at the provider and echoed in its events. */
export interface PaymentMetadata {
  /** Tally's payment id (the payment's stream). */
  paymentId: string;
  /** The wallet that pays (and, for a points purchase, receives the points). */
  wallet: string;
  purpose: PaymentPurpose;
}

/** Ask the provider to collect an amount. */
export interface CreateIntentRequest {
  /** The amount in minor units of `currency` (cents for EUR/USD). Greater than zero. */
  amountMinor: bigint;
  /** ISO 4217 code, any case ('EUR', 'usd'); adapters send what their provider expects. */
  currency: string;
  /**
   * Our idempotency key for the provider call, derived from the client's `Idempotency-Key` (for
   * example `payment:<paymentId>`): a retried request gets the SAME intent back, never a second one.
   * Stripe compares the parameters of a repeated key and rejects different ones; the sandbox does too.
   */
  idempotencyKey: string;
  metadata: PaymentMetadata;
}

/** What the buyer's client does next to pay: confirm with a client secret, or open a URL. */
export type CustomerAction =
  | {
      kind: 'client-secret';
      /** Handed to the buyer's client only (Stripe.js confirms with it); never logged or stored in events. */
      clientSecret: string;
    }
  | {
      kind: 'redirect';
      /** Where to send the buyer (a hosted page, a QR payload). */
      redirectUrl: string;
    };

/**
 * An intent's state, provider-neutral. `pending`: created, waiting for the buyer; `processing`:
 * the buyer paid and the provider is confirming (bank debits, wallets); the last three are final.
 */
export type IntentStatus = 'pending' | 'processing' | 'succeeded' | 'failed' | 'canceled';

/** The provider's answer to `createIntent`. */
export interface CreatedIntent {
  /** Which adapter made it ('sandbox', 'stripe'): provider ids are only unique per provider. */
  provider: string;
  /** The provider's id for the intent (Stripe `pi_…`); events name it as `paymentIntentId`. */
  paymentIntentId: string;
  status: IntentStatus;
  amountMinor: bigint;
  /** ISO 4217, upper case. */
  currency: string;
  customerAction: CustomerAction;
}

/** What a webhook can tell Tally about an intent (`refunded`: cash given back, all or part). */
export type ProviderEventKind = 'succeeded' | 'failed' | 'canceled' | 'processing' | 'refunded';

/**
 * One provider event, normalised. The pair (`provider`, `providerEventId`) is the event's
 * idempotency key: providers deliver webhooks at least once (Stripe retries for days, and the
 * sandbox re-sends on `tally pay succeed` again), so the caller applies an event only if no event
 * with the same key was applied before — the port does NOT deduplicate, because only the event
 * store can do it atomically with the state change.
 */
export interface ProviderEvent {
  provider: string;
  /** The provider's event id (Stripe `evt_…`): the same on every redelivery of one event. */
  providerEventId: string;
  /** The intent the event is about ({@link CreatedIntent.paymentIntentId}). */
  paymentIntentId: string;
  /**
   * Tally's references as the provider echoed them from the intent's metadata (signed with the
   * event, so they can be trusted to find the payment's wallet); null when the event carries none
   * or not all of them (an intent made outside Tally). The caller still checks that the payment's
   * recorded intent id, amount and currency equal the event's before applying anything.
   */
  metadata: PaymentMetadata | null;
  kind: ProviderEventKind;
  /** For `succeeded`, the amount received; otherwise the intent's amount. Minor units. */
  amountMinor: bigint;
  /** ISO 4217, upper case. */
  currency: string;
  /** When the provider says it happened (Stripe's event `created`), epoch milliseconds. */
  occurredAtMs: number;
  /**
   * For `refunded`: the refund's id at the provider (Stripe `re_…`) and everything refunded on
   * the payment so far, this refund included (Stripe's `amount_refunded`), minor units.
   */
  refund?: { refundId: string; refundedTotalMinor: bigint };
}

/** Ask the provider to give back (part of) what an intent took. */
export interface RefundRequest {
  /** Minor units, greater than zero, at most what is left to refund. */
  amountMinor: bigint;
  /** Derived from the client's Idempotency-Key: a retry gets the same refund back, never a second. */
  idempotencyKey: string;
}

/** The provider's answer to `refund`: its refund id and the amount of this refund. */
export interface CreatedRefund {
  refundId: string;
  amountMinor: bigint;
  /** ISO 4217, upper case. */
  currency: string;
}

/**
 * Why a webhook was refused. All but `unreadable-payload` mean "not provably from the provider"
 * and are answered 401 with nothing changed; `unreadable-payload` is correctly signed but not an
 * event we can read (answer 400 and log: a provider change or a bug on our side).
 */
export type WebhookRejectionReason =
  | 'missing-signature'
  | 'malformed-signature'
  | 'signature-mismatch'
  | 'stale-timestamp'
  | 'future-timestamp'
  | 'unreadable-payload';

/** The outcome of checking one webhook delivery. */
export type WebhookVerification =
  /** Authentic, fresh and about an intent's outcome: apply it (once, by its id). */
  | { outcome: 'event'; event: ProviderEvent }
  /**
   * Authentic and fresh, but of a type Tally does not act on (Stripe `payment_intent.created`,
   * `charge.succeeded`…): acknowledge with 2xx so the provider stops re-sending, change nothing.
   */
  | { outcome: 'ignored'; provider: string; providerEventId: string; type: string }
  /** Not provably authentic or fresh: refuse, change nothing. `detail` is for logs only. */
  | { outcome: 'rejected'; reason: WebhookRejectionReason; detail: string };

/**
 * Request headers as the HTTP edge gives them (API Gateway lower-cases names; Node may not).
 * Adapters look names up case-insensitively.
 */
export type WebhookHeaders = Readonly<Record<string, string | undefined>>;

/** The default freshness window for a webhook's signed timestamp, either way (Stripe's default). */
export const WEBHOOK_TOLERANCE_SECONDS_DEFAULT = 300;

/** Thrown by `createIntent` / `cancel` when the provider refuses or cannot be reached. */
export class PaymentProviderError extends Error {
  override readonly name = 'PaymentProviderError';
  constructor(
    /** `rejected`: the provider said no (bad amount, key reused with other parameters); do not retry.
     *  `unavailable`: network, timeout or a 5xx; a retry with the same idempotency key is safe. */
    readonly kind: 'rejected' | 'unavailable',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface PaymentProvider {
  /** The adapter's name ('sandbox', 'stripe'), the same as {@link ProviderEvent.provider}. */
  readonly name: string;

  /**
   * Creates (or, for a repeated idempotency key, returns again) an intent to collect the amount.
   * @throws PaymentProviderError
   */
  createIntent(request: CreateIntentRequest): Promise<CreatedIntent>;

  /**
   * Cancels an intent that has not succeeded (order expired, points purchase abandoned). The
   * provider then sends a `canceled` event; the answer's status is the intent's status afterwards.
   * Cancelling an already cancelled intent is not an error.
   * @throws PaymentProviderError (`rejected` when the intent already succeeded or is unknown)
   */
  cancel(paymentIntentId: string, options: { idempotencyKey: string }): Promise<{ status: IntentStatus }>;

  /**
   * Refunds (part of) a succeeded intent: Stripe `refunds.create`, Adyen `/refunds`, Alipay
   * `alipay.trade.refund`, WeChat Pay `/v3/refund/domestic/refunds`. The provider then sends a
   * `refunded` event for it, which Tally applies once (by refund id) like the answer here.
   * @throws PaymentProviderError (`rejected` when nothing is left to refund or the intent did not succeed)
   */
  refund(paymentIntentId: string, request: RefundRequest): Promise<CreatedRefund>;

  /**
   * Checks one webhook delivery: the signature over the EXACT raw body (never a re-serialised
   * parse), the signed timestamp within the tolerance window of now (both ways), and then reads
   * the event. Never throws for a bad delivery: a refusal is a `rejected` outcome.
   */
  verifyWebhook(rawBody: string, headers: WebhookHeaders): Promise<WebhookVerification>;
}

/** Reads echoed metadata back; null unless all three references are there and well formed. */
export function echoedMetadata(
  metadata: Readonly<Record<string, unknown>> | null | undefined,
): PaymentMetadata | null {
  const { paymentId, wallet, purpose } = metadata ?? {};
  if (typeof paymentId !== 'string' || paymentId === '' || typeof wallet !== 'string' || wallet === '')
    return null;
  if (purpose !== 'points-purchase' && purpose !== 'order') return null;
  return { paymentId, wallet, purpose };
}

/** Looks up a header case-insensitively; the first match wins. */
export function headerValue(headers: WebhookHeaders, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}
