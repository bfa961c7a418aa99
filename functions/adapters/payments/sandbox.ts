import * as z from 'zod/mini';
import { zodEnglish } from '#app/zod-wording.ts';
import type { Clock, IdGenerator } from '#ports/clock.ts';
import {
  type CreatedIntent,
  type CreatedRefund,
  type CreateIntentRequest,
  echoedMetadata,
  headerValue,
  type IntentStatus,
  type PaymentProvider,
  PaymentProviderError,
  type ProviderEventKind,
  type RefundRequest,
  WEBHOOK_TOLERANCE_SECONDS_DEFAULT,
  type WebhookHeaders,
  type WebhookVerification,
} from '#ports/payment-provider.ts';
import { MemorySandboxIntentStore, type SandboxIntent, type SandboxIntentStore } from './sandbox-store.ts';
import { checkSignature, signatureHeader } from './webhook-signature.ts';

/**
 * The sandbox payment provider: a stand-in for Stripe that runs in-process (`npm start`, tests),
 * with no account and no network. It behaves like a provider where Tally can tell: intents with
 * idempotent creation, a state machine, and outcomes that arrive ONLY as signed webhooks — signed
 * exactly as Stripe signs them (`Tally-Signature: t=…,v1=…`), so the webhook route's checks are
 * the real ones. What a buyer does on the provider's page is {@link SandboxPaymentProvider.settle}:
 * it moves the intent and answers the signed webhook, which the caller POSTs to Tally.
 */
export const SANDBOX_PROVIDER = 'sandbox';
export const SANDBOX_SIGNATURE_HEADER = 'Tally-Signature';

/** What a buyer (or `tally pay`) can make of an intent. */
export type SandboxOutcome = 'succeed' | 'fail' | 'cancel' | 'process' | 'refund';

const OUTCOME_KIND: Record<SandboxOutcome, ProviderEventKind> = {
  succeed: 'succeeded',
  fail: 'failed',
  cancel: 'canceled',
  process: 'processing',
  refund: 'refunded',
};

/** The sandbox's event names, modelled on Stripe's so the payload reads familiarly. */
const KIND_TYPE: Record<ProviderEventKind, string> = {
  succeeded: 'payment_intent.succeeded',
  failed: 'payment_intent.payment_failed',
  canceled: 'payment_intent.canceled',
  processing: 'payment_intent.processing',
  refunded: 'charge.refunded',
};
const TYPE_KIND = new Map(Object.entries(KIND_TYPE).map(([kind, type]) => [type, kind as ProviderEventKind]));

/** A webhook ready to POST: the exact body bytes and the headers to send with them. */
export interface SignedWebhook {
  body: string;
  headers: Record<string, string>;
  providerEventId: string;
  kind: ProviderEventKind;
  /** True when this is a redelivery of an event sent before (same id, fresh signature). */
  redelivery: boolean;
}

export interface SandboxOptions {
  /** The webhook signing secret; more than one verifies during a rotation, the first signs. */
  secrets: readonly [string, ...string[]];
  clock: Clock;
  ids: IdGenerator;
  store?: SandboxIntentStore;
  toleranceSeconds?: number;
}

/**
 * Intent states from which each kind of event may still happen (the rest are final). As at Stripe,
 * a failed attempt is not final: the intent goes back to waiting for a payment method
 * (`requires_payment_method`), so the buyer may try again and pay, or it may be cancelled.
 */
const NEXT: Record<IntentStatus, readonly ProviderEventKind[]> = {
  pending: ['processing', 'succeeded', 'failed', 'canceled'],
  processing: ['succeeded', 'failed', 'canceled'],
  failed: ['processing', 'succeeded', 'canceled'],
  succeeded: [],
  canceled: [],
};
const KIND_STATUS: Record<ProviderEventKind, IntentStatus> = {
  succeeded: 'succeeded',
  failed: 'failed',
  canceled: 'canceled',
  processing: 'processing',
  // A refund leaves the intent succeeded (as at Stripe); the charge says what was given back.
  refunded: 'succeeded',
};

/** What the intent's refunds gave back so far. */
const refundedSoFar = (intent: SandboxIntent): bigint =>
  intent.events.findLast((event) => event.kind === 'refunded')?.refundedTotalMinor ?? 0n;

export class SandboxPaymentProvider implements PaymentProvider {
  readonly name = SANDBOX_PROVIDER;
  readonly #store: SandboxIntentStore;
  readonly #toleranceSeconds: number;

  constructor(private readonly options: SandboxOptions) {
    this.#store = options.store ?? new MemorySandboxIntentStore();
    this.#toleranceSeconds = options.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS_DEFAULT;
  }

  async createIntent(request: CreateIntentRequest): Promise<CreatedIntent> {
    if (request.amountMinor <= 0n)
      throw new PaymentProviderError('rejected', 'amount must be greater than 0');
    if (!/^[A-Za-z]{3}$/.test(request.currency)) {
      throw new PaymentProviderError('rejected', `currency "${request.currency}" is not an ISO 4217 code`);
    }
    const currency = request.currency.toUpperCase();
    const fingerprint = JSON.stringify([request.amountMinor.toString(), currency, request.metadata]);
    const existing = this.#store.byIdempotencyKey(request.idempotencyKey);
    if (existing) {
      // As Stripe does: the same key answers the same intent, other parameters are refused.
      if (existing.requestFingerprint !== fingerprint) {
        throw new PaymentProviderError('rejected', 'idempotency key reused with different parameters');
      }
      return createdIntent(existing);
    }
    const paymentIntentId = `pi_sandbox_${this.options.ids.newId()}`;
    const intent: SandboxIntent = {
      paymentIntentId,
      idempotencyKey: request.idempotencyKey,
      requestFingerprint: fingerprint,
      amountMinor: request.amountMinor,
      currency,
      metadata: { ...request.metadata },
      clientSecret: `${paymentIntentId}_secret_${this.options.ids.newId()}`,
      status: 'pending',
      createdAtMs: this.options.clock.nowMs(),
      events: [],
    };
    this.#store.put(intent);
    return createdIntent(intent);
  }

  async cancel(paymentIntentId: string): Promise<{ status: IntentStatus }> {
    const intent = this.#store.get(paymentIntentId);
    if (!intent) throw new PaymentProviderError('rejected', `no intent ${paymentIntentId}`);
    if (intent.status === 'canceled') return { status: 'canceled' };
    if (!NEXT[intent.status].includes('canceled')) {
      throw new PaymentProviderError('rejected', `intent ${paymentIntentId} is already ${intent.status}`);
    }
    this.#transition(intent, 'canceled');
    return { status: 'canceled' };
  }

  async refund(paymentIntentId: string, request: RefundRequest): Promise<CreatedRefund> {
    const intent = this.#store.get(paymentIntentId);
    if (!intent) throw new PaymentProviderError('rejected', `no intent ${paymentIntentId}`);
    const asked = intent.events.find((event) => event.refundKey === request.idempotencyKey);
    if (asked?.refundId !== undefined) {
      // As Stripe does: the same key answers the same refund.
      const before = intent.events
        .slice(0, intent.events.indexOf(asked))
        .findLast((event) => event.kind === 'refunded');
      return {
        refundId: asked.refundId,
        amountMinor: (asked.refundedTotalMinor ?? 0n) - (before?.refundedTotalMinor ?? 0n),
        currency: intent.currency,
      };
    }
    const event = this.#refund(intent, request.amountMinor, request.idempotencyKey);
    return { refundId: event.refundId ?? '', amountMinor: request.amountMinor, currency: intent.currency };
  }

  /** The intent of a payment, for `tally pay <paymentId>` and tests. */
  intentOfPayment(paymentId: string): SandboxIntent | undefined {
    return this.#store.byPaymentId(paymentId);
  }

  /**
   * Acts as the buyer and the provider: moves the intent (`succeed`, `fail`, `cancel`, `process`)
   * and answers the webhook the provider sends for it. Asking again for the outcome an intent
   * already has answers the SAME event again (same id, a fresh signature) — a redelivery, which
   * Tally must apply only once. Asking for another outcome of a final intent (succeeded or
   * cancelled) is refused, as a real provider would; a failed one may still be paid or cancelled.
   * @throws PaymentProviderError
   */
  settle(paymentIntentId: string, outcome: SandboxOutcome): SignedWebhook {
    const intent = this.#store.get(paymentIntentId);
    if (!intent) throw new PaymentProviderError('rejected', `no intent ${paymentIntentId}`);
    if (outcome === 'refund') {
      // A refund made at the provider (its dashboard): what is left, or the last one again.
      const left = intent.amountMinor - refundedSoFar(intent);
      const last = intent.events.findLast((event) => event.kind === 'refunded');
      if (left === 0n && last !== undefined) return this.#sign(intent, last, true);
      return this.#sign(intent, this.#refund(intent, left), false);
    }
    const kind = OUTCOME_KIND[outcome];
    const sent = intent.events.findLast((event) => event.kind === kind);
    if (sent && intent.status === KIND_STATUS[kind]) return this.#sign(intent, sent, true);
    if (!NEXT[intent.status].includes(kind)) {
      throw new PaymentProviderError('rejected', `intent ${paymentIntentId} is already ${intent.status}`);
    }
    return this.#sign(intent, this.#transition(intent, kind), false);
  }

  /** The webhook for an event already recorded (for a cancel's event, or a redelivery). */
  webhookFor(paymentIntentId: string, providerEventId: string): SignedWebhook {
    const intent = this.#store.get(paymentIntentId);
    const event = intent?.events.find((candidate) => candidate.providerEventId === providerEventId);
    if (!intent || !event) throw new PaymentProviderError('rejected', `no event ${providerEventId}`);
    return this.#sign(intent, event, true);
  }

  async verifyWebhook(rawBody: string, headers: WebhookHeaders): Promise<WebhookVerification> {
    const check = checkSignature(
      rawBody,
      headerValue(headers, SANDBOX_SIGNATURE_HEADER),
      this.options.secrets,
      {
        nowMs: this.options.clock.nowMs(),
        toleranceSeconds: this.#toleranceSeconds,
      },
    );
    if (!check.ok) return { outcome: 'rejected', reason: check.reason, detail: check.detail };
    return readSandboxEvent(rawBody);
  }

  #refund(intent: SandboxIntent, amountMinor: bigint, refundKey?: string): SandboxIntent['events'][number] {
    if (intent.status !== 'succeeded') {
      throw new PaymentProviderError('rejected', `intent ${intent.paymentIntentId} is ${intent.status}`);
    }
    const left = intent.amountMinor - refundedSoFar(intent);
    if (amountMinor <= 0n || amountMinor > left) {
      throw new PaymentProviderError('rejected', `${left} (minor units) is left to refund`);
    }
    const event = {
      providerEventId: `evt_sandbox_${this.options.ids.newId()}`,
      kind: 'refunded' as const,
      occurredAtMs: this.options.clock.nowMs(),
      refundId: `re_sandbox_${this.options.ids.newId()}`,
      refundedTotalMinor: intent.amountMinor - left + amountMinor,
      ...(refundKey === undefined ? {} : { refundKey }),
    };
    this.#store.put({ ...intent, events: [...intent.events, event] });
    return event;
  }

  #transition(intent: SandboxIntent, kind: ProviderEventKind): SandboxIntent['events'][number] {
    const event = {
      providerEventId: `evt_sandbox_${this.options.ids.newId()}`,
      kind,
      occurredAtMs: this.options.clock.nowMs(),
    };
    this.#store.put({ ...intent, status: KIND_STATUS[kind], events: [...intent.events, event] });
    return event;
  }

  #sign(intent: SandboxIntent, event: SandboxIntent['events'][number], redelivery: boolean): SignedWebhook {
    const body = sandboxEventBody(intent, event);
    const timestampSeconds = Math.floor(this.options.clock.nowMs() / 1000);
    return {
      body,
      headers: {
        'content-type': 'application/json',
        [SANDBOX_SIGNATURE_HEADER]: signatureHeader(this.options.secrets[0], timestampSeconds, body),
      },
      providerEventId: event.providerEventId,
      kind: event.kind,
      redelivery,
    };
  }
}

const createdIntent = (intent: SandboxIntent): CreatedIntent => ({
  provider: SANDBOX_PROVIDER,
  paymentIntentId: intent.paymentIntentId,
  status: intent.status,
  amountMinor: intent.amountMinor,
  currency: intent.currency,
  customerAction: { kind: 'client-secret', clientSecret: intent.clientSecret },
});

/**
 * The payload the sandbox sends, shaped like a Stripe event (`id`, `type`, `created`,
 * `data.object`). The amount is a string of digits: the sandbox is ours, so it need not round-trip
 * money through a JSON float as Stripe's integer `amount` does.
 */
export function sandboxEventBody(intent: SandboxIntent, event: SandboxIntent['events'][number]): string {
  return JSON.stringify({
    id: event.providerEventId,
    object: 'event',
    type: KIND_TYPE[event.kind],
    created: Math.floor(event.occurredAtMs / 1000),
    data: {
      object: {
        id: intent.paymentIntentId,
        object: 'payment_intent',
        amount: intent.amountMinor.toString(),
        currency: intent.currency.toLowerCase(),
        status: KIND_STATUS[event.kind],
        metadata: intent.metadata,
        // A refund, shaped as Stripe's charge.refunded tells it (the sandbox's charge is its intent).
        ...(event.kind === 'refunded'
          ? {
              amount_refunded: (event.refundedTotalMinor ?? 0n).toString(),
              refunds: { data: [{ id: event.refundId }] },
            }
          : {}),
      },
    },
  });
}

const text255 = () => z.string().check(z.minLength(1), z.maxLength(255));
const sandboxEventSchema = z.object({
  id: text255(),
  type: text255(),
  created: z.int().check(z.nonnegative()),
  data: z.object({
    object: z.object({
      id: text255(),
      amount: z.string().check(z.regex(/^\d{1,30}$/)),
      currency: z.string().check(z.regex(/^[a-zA-Z]{3}$/)),
      metadata: z.looseObject({ paymentId: z.optional(text255()) }),
      amount_refunded: z.optional(z.string().check(z.regex(/^\d{1,30}$/))),
      refunds: z.optional(z.object({ data: z.array(z.object({ id: text255() })).check(z.minLength(1)) })),
    }),
  }),
});

/** Reads a verified sandbox payload into the neutral event (or `ignored` for other types). */
export function readSandboxEvent(rawBody: string): WebhookVerification {
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    return { outcome: 'rejected', reason: 'unreadable-payload', detail: 'the body is not JSON' };
  }
  // zod/mini installs no messages; the rejection detail (read by an operator) keeps zod's English.
  const parsed = z.safeParse(sandboxEventSchema, json, { error: zodEnglish });
  if (!parsed.success) {
    return { outcome: 'rejected', reason: 'unreadable-payload', detail: parsed.error.message };
  }
  const { id, type, created, data } = parsed.data;
  const kind = TYPE_KIND.get(type);
  if (kind === undefined)
    return { outcome: 'ignored', provider: SANDBOX_PROVIDER, providerEventId: id, type };
  const refundId = data.object.refunds?.data[0]?.id;
  const refundedTotal = data.object.amount_refunded;
  if (kind === 'refunded' && (refundId === undefined || refundedTotal === undefined)) {
    return { outcome: 'rejected', reason: 'unreadable-payload', detail: 'a refund without its id or total' };
  }
  return {
    outcome: 'event',
    event: {
      provider: SANDBOX_PROVIDER,
      providerEventId: id,
      paymentIntentId: data.object.id,
      metadata: echoedMetadata(data.object.metadata),
      kind,
      amountMinor: BigInt(data.object.amount),
      currency: data.object.currency.toUpperCase(),
      occurredAtMs: created * 1000,
      ...(refundId === undefined || refundedTotal === undefined
        ? {}
        : { refund: { refundId, refundedTotalMinor: BigInt(refundedTotal) } }),
    },
  };
}

/**
 * POSTs a signed webhook to Tally's webhook route, as the provider's delivery does; answers the
 * HTTP status (a provider retries anything but 2xx).
 */
export async function deliverWebhook(
  fetchFn: typeof fetch,
  webhookUrl: string,
  webhook: SignedWebhook,
): Promise<{ status: number; body: string }> {
  const response = await fetchFn(webhookUrl, {
    method: 'POST',
    headers: webhook.headers,
    body: webhook.body,
    signal: AbortSignal.timeout(30_000),
  });
  return { status: response.status, body: await response.text() };
}
