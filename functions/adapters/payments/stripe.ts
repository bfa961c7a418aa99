import type Stripe from 'stripe';
import * as z from 'zod/mini';
import { zodEnglish } from '#app/zod-wording.ts';
import type { Clock } from '#ports/clock.ts';
import {
  type CreatedIntent,
  type CreatedRefund,
  type CreateIntentRequest,
  echoedMetadata,
  headerValue,
  type IntentStatus,
  type PaymentMetadata,
  type PaymentProvider,
  PaymentProviderError,
  type ProviderEventKind,
  type RefundRequest,
  WEBHOOK_TOLERANCE_SECONDS_DEFAULT,
  type WebhookHeaders,
  type WebhookVerification,
} from '#ports/payment-provider.ts';
import { checkTimestamp, parseSignatureHeader } from './webhook-signature.ts';

/**
 * The Stripe adapter, on the official `stripe` package: PaymentIntents for the cash, and webhooks
 * checked with the package's own `Stripe.webhooks.constructEvent` (HMAC over `t.payload`,
 * constant-time compare, 300 s tolerance). Configuration — the API key and the webhook endpoint's
 * signing secret — comes from Secrets Manager in AWS (see the notes); nothing here reads the
 * environment.
 */
export const STRIPE_PROVIDER = 'stripe';
export const STRIPE_SIGNATURE_HEADER = 'Stripe-Signature';

export interface StripeProviderOptions {
  /** A secret key, `sk_live_…`/`sk_test_…` (or a restricted key allowed PaymentIntents write). */
  apiKey: string;
  /** The webhook endpoint's signing secret(s), `whsec_…`; several during a rotation. */
  webhookSecrets: readonly [string, ...string[]];
  clock: Clock;
  toleranceSeconds?: number;
  /** Extra client settings: tests pass `httpClient` (no network); production keeps the defaults. */
  config?: Stripe.StripeConfig;
  /** The `stripe` package's export (loadStripeSdk): passed in, so nothing imports it statically. */
  sdk: StripeSdk;
}

export type StripeSdk = typeof Stripe;

/**
 * Loads the `stripe` package when a Stripe provider is built, and only then: it is external to
 * every bundle and shipped beside the payment functions of a stack deployed with
 * `-c paymentProvider=stripe` (lib/constructs/bundling.ts), so sandbox and local bundles never
 * carry or parse it.
 */
export const loadStripeSdk = async (): Promise<StripeSdk> => (await import('stripe')).default;

/** Stripe's `payment_intent.*` events that say how an intent is going; every other type is ignored. */
const EVENT_KIND: ReadonlyMap<string, ProviderEventKind> = new Map([
  ['payment_intent.succeeded', 'succeeded'],
  ['payment_intent.payment_failed', 'failed'],
  ['payment_intent.canceled', 'canceled'],
  ['payment_intent.processing', 'processing'],
  ['charge.refunded', 'refunded'],
]);

/**
 * Stripe's intent statuses, neutral. There is no "failed" status at Stripe: a failed attempt
 * returns the intent to `requires_payment_method` (and sends `payment_intent.payment_failed`).
 */
function neutralStatus(status: string): IntentStatus {
  switch (status) {
    case 'succeeded':
      return 'succeeded';
    case 'processing':
      return 'processing';
    case 'canceled':
      return 'canceled';
    default:
      return 'pending';
  }
}

/** Stripe sends amounts as JSON integers: refuse what a double would not carry exactly. */
function toStripeAmount(amountMinor: bigint): number {
  if (amountMinor <= 0n || amountMinor > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new PaymentProviderError('rejected', 'amount is outside what Stripe accepts');
  }
  return Number(amountMinor);
}

/** The part of a `payment_intent.*` event's object we read; parsed, never cast. */
const intentObjectSchema = z.object({
  id: z.string().check(z.minLength(1)),
  amount: z.int().check(z.nonnegative()),
  amount_received: z.optional(z.int().check(z.nonnegative())),
  currency: z.string().check(z.regex(/^[a-zA-Z]{3}$/)),
  metadata: z.nullish(z.record(z.string(), z.string())),
});

/** `charge.refunded`'s object: the charge, its intent, and what was refunded so far. */
const chargeObjectSchema = z.object({
  id: z.string().check(z.minLength(1)),
  amount: z.int().check(z.nonnegative()),
  amount_refunded: z.int().check(z.nonnegative()),
  currency: z.string().check(z.regex(/^[a-zA-Z]{3}$/)),
  payment_intent: z.string().check(z.minLength(1)),
  metadata: z.nullish(z.record(z.string(), z.string())),
  refunds: z.nullish(z.object({ data: z.array(z.object({ id: z.string().check(z.minLength(1)) })) })),
});

const eventSchema = z.object({
  id: z.string().check(z.minLength(1)),
  type: z.string().check(z.minLength(1)),
  created: z.int().check(z.nonnegative()),
  data: z.object({ object: z.unknown() }),
});

/** zod/mini installs no messages; the rejection detail (read by an operator) keeps zod's English. */
const parse = <T>(schema: z.ZodMiniType<T>, input: unknown) =>
  z.safeParse(schema, input, { error: zodEnglish });

export class StripePaymentProvider implements PaymentProvider {
  readonly name = STRIPE_PROVIDER;
  readonly #stripe: Stripe;
  readonly #sdk: StripeSdk;
  readonly #toleranceSeconds: number;

  constructor(private readonly options: StripeProviderOptions) {
    this.#sdk = options.sdk;
    // The Stripe client retries network errors itself with the same idempotency key.
    this.#stripe = new options.sdk(options.apiKey, {
      maxNetworkRetries: 2,
      timeout: 20_000,
      ...options.config,
    });
    this.#toleranceSeconds = options.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS_DEFAULT;
  }

  async createIntent(request: CreateIntentRequest): Promise<CreatedIntent> {
    let intent: Stripe.PaymentIntent;
    try {
      intent = await this.#stripe.paymentIntents.create(
        {
          amount: toStripeAmount(request.amountMinor),
          currency: request.currency.toLowerCase(),
          automatic_payment_methods: { enabled: true },
          metadata: { ...request.metadata },
        },
        { idempotencyKey: request.idempotencyKey },
      );
    } catch (error) {
      throw providerError(error, this.#sdk);
    }
    return {
      provider: STRIPE_PROVIDER,
      paymentIntentId: intent.id,
      status: neutralStatus(intent.status),
      amountMinor: BigInt(intent.amount),
      currency: intent.currency.toUpperCase(),
      customerAction: customerAction(intent),
    };
  }

  async cancel(
    paymentIntentId: string,
    options: { idempotencyKey: string },
  ): Promise<{ status: IntentStatus }> {
    try {
      const intent = await this.#stripe.paymentIntents.cancel(
        paymentIntentId,
        {},
        { idempotencyKey: options.idempotencyKey },
      );
      return { status: neutralStatus(intent.status) };
    } catch (error) {
      // Cancelling twice is not an error for the port: Stripe refuses it, so look before failing.
      if (
        error instanceof this.#sdk.errors.StripeInvalidRequestError &&
        error.code === 'payment_intent_unexpected_state'
      ) {
        const intent = await this.#stripe.paymentIntents.retrieve(paymentIntentId).catch((cause: unknown) => {
          throw providerError(cause, this.#sdk);
        });
        if (intent.status === 'canceled') return { status: 'canceled' };
      }
      throw providerError(error, this.#sdk);
    }
  }

  async refund(paymentIntentId: string, request: RefundRequest): Promise<CreatedRefund> {
    try {
      const refund = await this.#stripe.refunds.create(
        { payment_intent: paymentIntentId, amount: toStripeAmount(request.amountMinor) },
        { idempotencyKey: request.idempotencyKey },
      );
      return {
        refundId: refund.id,
        amountMinor: BigInt(refund.amount),
        currency: refund.currency.toUpperCase(),
      };
    } catch (error) {
      throw providerError(error, this.#sdk);
    }
  }

  async verifyWebhook(rawBody: string, headers: WebhookHeaders): Promise<WebhookVerification> {
    const header = headerValue(headers, STRIPE_SIGNATURE_HEADER);
    if (header === undefined || header.trim() === '') {
      return { outcome: 'rejected', reason: 'missing-signature', detail: 'no Stripe-Signature header' };
    }
    const nowMs = this.options.clock.nowMs();
    let event: unknown;
    let lastError: unknown;
    for (const secret of this.options.webhookSecrets) {
      try {
        // The package's own check — signature (constant time) and age — then its parse of the
        // body. `receivedAt` is our clock, so tests and the freshness rule share one notion of now.
        event = await this.#sdk.webhooks.constructEventAsync(
          rawBody,
          header,
          secret,
          this.#toleranceSeconds,
          undefined,
          nowMs,
        );
        break;
      } catch (error) {
        // A signed body that does not parse is not a signature problem: no other secret helps.
        if (!(error instanceof this.#sdk.errors.StripeSignatureVerificationError)) {
          return {
            outcome: 'rejected',
            reason: 'unreadable-payload',
            detail: 'the body is not a Stripe event',
          };
        }
        lastError = error;
      }
    }
    if (event === undefined) return rejection(lastError);
    // Stripe's check only refuses the past; a timestamp far ahead is refused here as well.
    const parsedHeader = parseSignatureHeader(header);
    if (parsedHeader === null) {
      return { outcome: 'rejected', reason: 'malformed-signature', detail: 'unreadable Stripe-Signature' };
    }
    const fresh = checkTimestamp(parsedHeader.timestampSeconds, {
      nowMs,
      toleranceSeconds: this.#toleranceSeconds,
    });
    if (!fresh.ok) return { outcome: 'rejected', reason: fresh.reason, detail: fresh.detail };
    const read = readStripeEvent(event);
    if (read.outcome === 'event' && read.event.kind === 'refunded' && read.event.metadata === null) {
      return { outcome: 'event', event: { ...read.event, metadata: await this.#intentMetadata(read.event) } };
    }
    return read;
  }

  /**
   * A charge that does not carry Tally's references (metadata set on the PaymentIntent is not
   * guaranteed to be on its charges): they are read from the intent itself, so a refund of a Tally
   * payment is never taken for someone else's and ignored. A failed read throws: the delivery then
   * gets a 5xx and Stripe sends it again.
   */
  async #intentMetadata(event: { paymentIntentId: string }): Promise<PaymentMetadata | null> {
    const intent = await this.#stripe.paymentIntents
      .retrieve(event.paymentIntentId)
      .catch((cause: unknown) => {
        throw providerError(cause, this.#sdk);
      });
    return echoedMetadata(intent.metadata);
  }
}

/** Reads a verified Stripe event (as `constructEvent` parsed it) into the neutral event, or `ignored`. */
export function readStripeEvent(event: unknown): WebhookVerification {
  const envelope = parse(eventSchema, event);
  if (!envelope.success) {
    return { outcome: 'rejected', reason: 'unreadable-payload', detail: envelope.error.message };
  }
  const { id, type, created, data } = envelope.data;
  const kind = EVENT_KIND.get(type);
  if (kind === undefined) return { outcome: 'ignored', provider: STRIPE_PROVIDER, providerEventId: id, type };
  if (kind === 'refunded') return readRefund(id, created, data.object);
  const intent = parse(intentObjectSchema, data.object);
  if (!intent.success) {
    return { outcome: 'rejected', reason: 'unreadable-payload', detail: intent.error.message };
  }
  const amount =
    kind === 'succeeded' ? (intent.data.amount_received ?? intent.data.amount) : intent.data.amount;
  return {
    outcome: 'event',
    event: {
      provider: STRIPE_PROVIDER,
      providerEventId: id,
      paymentIntentId: intent.data.id,
      metadata: echoedMetadata(intent.data.metadata),
      kind,
      amountMinor: BigInt(amount),
      currency: intent.data.currency.toUpperCase(),
      occurredAtMs: created * 1000,
    },
  };
}

/** A client secret for Stripe.js; a redirect when Stripe already asks for one (some wallets, banks). */
/**
 * `charge.refunded`: Stripe sends the charge, with `amount_refunded` (all refunds so far) and,
 * newest first, its refunds (the list may be left out by newer API versions: the charge id and
 * the total then name the refund, which is as unique). Tally's references come from the charge's
 * metadata, else from its PaymentIntent's (verifyWebhook reads the intent); a charge of an intent
 * without them is ignored by the webhook route, as any intent Tally did not make.
 */
function readRefund(id: string, created: number, object: unknown): WebhookVerification {
  const charge = parse(chargeObjectSchema, object);
  if (!charge.success) {
    return { outcome: 'rejected', reason: 'unreadable-payload', detail: charge.error.message };
  }
  const { data } = charge;
  return {
    outcome: 'event',
    event: {
      provider: STRIPE_PROVIDER,
      providerEventId: id,
      paymentIntentId: data.payment_intent,
      metadata: echoedMetadata(data.metadata),
      kind: 'refunded',
      amountMinor: BigInt(data.amount),
      currency: data.currency.toUpperCase(),
      occurredAtMs: created * 1000,
      refund: {
        refundId: data.refunds?.data[0]?.id ?? `${data.id}:${data.amount_refunded}`,
        refundedTotalMinor: BigInt(data.amount_refunded),
      },
    },
  };
}

function customerAction(intent: Stripe.PaymentIntent): CreatedIntent['customerAction'] {
  const redirectUrl = intent.next_action?.redirect_to_url?.url;
  if (redirectUrl) return { kind: 'redirect', redirectUrl };
  if (intent.client_secret) return { kind: 'client-secret', clientSecret: intent.client_secret };
  throw new PaymentProviderError(
    'rejected',
    `Stripe gave intent ${intent.id} neither a client secret nor a redirect`,
  );
}

/** Which Stripe failures a retry (same idempotency key) may cure. */
function providerError(error: unknown, sdk: StripeSdk): PaymentProviderError {
  if (error instanceof PaymentProviderError) return error;
  if (error instanceof sdk.errors.StripeError) {
    const retryable =
      error instanceof sdk.errors.StripeConnectionError ||
      error instanceof sdk.errors.StripeAPIError ||
      error instanceof sdk.errors.StripeRateLimitError ||
      (error.statusCode ?? 0) >= 500;
    // Stripe's message is for us (logs); the client gets our own problem text.
    return new PaymentProviderError(retryable ? 'unavailable' : 'rejected', `Stripe: ${error.message}`, {
      cause: error,
    });
  }
  return new PaymentProviderError('unavailable', 'Stripe could not be reached', { cause: error });
}

/** Maps the package's verification error to a reason (its messages are the only distinction it offers). */
function rejection(error: unknown): WebhookVerification {
  const message = error instanceof Error ? error.message : String(error);
  if (/tolerance/i.test(message)) return { outcome: 'rejected', reason: 'stale-timestamp', detail: message };
  if (/Unable to extract|No signatures found with expected scheme/i.test(message)) {
    return { outcome: 'rejected', reason: 'malformed-signature', detail: message };
  }
  return { outcome: 'rejected', reason: 'signature-mismatch', detail: message.split('\n')[0] ?? message };
}
