/**
 * Buying points with cash through the payment provider (ports/payment-provider.ts), and the
 * provider's webhooks. Points are credited only when the provider confirms, exactly once:
 * - `requestPayment` asks the provider for an intent (its idempotency key derived from the
 *   payment id, itself derived from the client's Idempotency-Key, so a retried request gets the
 *   same intent back), then records PaymentRequested in lane 0 with the client's key.
 * - `applyWebhook` verifies the delivery, then decides SettlePayment against the wallet's exact
 *   state and appends it with an idempotency record keyed by the provider's event id, in the
 *   same transaction: a redelivered event finds its record (nothing written), and the decider
 *   refuses to credit a payment twice whatever the order of deliveries (payments.ts).
 * The payment id names the paying wallet (as an offer id names its seller), so reading a payment
 * or applying its webhook needs no index.
 */
import { DomainError } from '#domain/errors.ts';
import { type PointRate, priceOfPointsMinor } from '#domain/pricing.ts';
import {
  type Decider,
  decidePurchase,
  foldWallet,
  type Hold,
  initialWalletState,
  type Payment,
  type PaymentCommand,
  type RecordedEvent,
  type WalletCommand,
  type WalletEvent,
} from '#domain/wallet.ts';
import type { Clock, IdGenerator } from '#ports/clock.ts';
import type { EventStore, StoredResponse } from '#ports/event-store.ts';
import type { PaymentIndex } from '#ports/payment-index.ts';
import type { CreatedIntent, PaymentProvider } from '#ports/payment-provider.ts';
import { PaymentProviderError } from '#ports/payment-provider.ts';
import { handleCommand, type RetryPolicy } from './command-handler.ts';
import { type IdempotencyInput, priorUse } from './idempotency.ts';
import { offerIdFor, sellerOf } from './offer-id.ts';
import type { Outcome } from './outcomes.ts';
import { paymentListingChangesOf } from './payment-index.ts';
import { readWallet } from './read-events.ts';
import type { IndexChangesOf } from './write-outcome.ts';

export interface PaymentDeps {
  store: EventStore;
  clock: Clock;
  ids: IdGenerator;
  retry?: RetryPolicy;
  provider: PaymentProvider;
  pricing: { currency: string; pointRate: PointRate };
  /** Hex digest of a text (sha-256): payment ids are derived from Idempotency-Keys with it. */
  hash: (text: string) => string;
  /** Where a refusal or an oddity in a webhook is written down (never the payload's secrets). */
  log?: (message: string, detail: Record<string, unknown>) => void;
}

/**
 * The payments and orders routes also list a wallet's payments; the webhook never does, so its
 * deps (and bundle) leave the listing's reader out.
 */
export interface PaymentListDeps extends PaymentDeps {
  /** A wallet's payments and orders, newest first (written with the events: app/payment-index.ts). */
  listings: PaymentIndex;
}

/** A write that may also fail at the provider: refused (502) or unreachable (503). */
export type PaymentResult =
  | Exclude<Outcome<{ response: StoredResponse }>, { kind: 'contended' | 'unchanged' }>
  | { kind: 'contended' }
  | { kind: 'provider-failed'; error: PaymentProviderError };

/** base64url(wallet) "." id, as offer ids are: the wallet is found from the id alone. */
export const paymentIdFor = offerIdFor;
/** The wallet a payment (or order) id names, or undefined for an id this API did not give out. */
export const walletOfPayment = sellerOf;

/** The id of the payment a client's Idempotency-Key asks for: the same key, the same payment. */
export const paymentIdOfKey = (deps: Pick<PaymentDeps, 'hash'>, wallet: string, key: string): string =>
  paymentIdFor(wallet, deps.hash(`payment\n${key}`).slice(0, 24));

export interface PaymentRequest {
  wallet: string;
  /** Scoped per route and client (app/idempotency.ts); a key item from before scoping still replays. */
  idempotency: IdempotencyInput;
  respond: (payment: Payment, intent: CreatedIntent) => StoredResponse;
}

/** `POST /payments`: `points` priced at the configured rate, collected by the provider. */
export async function requestPayment(
  deps: PaymentDeps,
  input: PaymentRequest & { points: bigint },
): Promise<PaymentResult> {
  const used = await priorUse(deps.store, input.idempotency);
  if (used) return used;
  const amountMinor = priceOfPointsMinor(input.points, deps.pricing.pointRate);
  const paymentId = paymentIdOfKey(deps, input.wallet, input.idempotency.key);
  return recordIntent(
    deps,
    input,
    { paymentId, purpose: 'points-purchase', points: input.points, amountMinor },
    { decide: decidePurchase, indexes: paymentListingChangesOf },
  );
}

/**
 * Creates (or gets back) the provider's intent, then records the payment in lane 0. The intent
 * comes first because the event names it; an intent whose payment was never recorded is
 * harmless (its webhook finds no payment and is refused; nothing is credited).
 */
export async function recordIntent(
  deps: PaymentDeps,
  input: PaymentRequest,
  terms: {
    paymentId: string;
    purpose: Payment['purpose'];
    points: bigint;
    amountMinor: bigint;
    order?: Payment['order'];
  },
  /**
   * The request's family: a purchase is decided without holding points and changes its payment's
   * listing alone; an order holds its points and changes the trading index too (orders.ts).
   */
  family: { decide: Decider<PaymentCommand & { type: 'RequestPayment' }>; indexes: IndexChangesOf },
): Promise<PaymentResult> {
  const { paymentId, purpose, points, amountMinor, order } = terms;
  let intent: CreatedIntent;
  try {
    intent = await deps.provider.createIntent({
      amountMinor,
      currency: deps.pricing.currency,
      idempotencyKey: `tally-${paymentId}`,
      metadata: { paymentId, wallet: input.wallet, purpose },
    });
  } catch (error) {
    if (error instanceof PaymentProviderError) return { kind: 'provider-failed', error };
    throw error;
  }
  const occurredAtMs = deps.clock.nowMs();
  const command: PaymentCommand & { type: 'RequestPayment' } = {
    type: 'RequestPayment',
    walletId: input.wallet,
    paymentId,
    purpose,
    points,
    amountMinor,
    currency: intent.currency,
    provider: intent.provider,
    paymentIntentId: intent.paymentIntentId,
    occurredAtMs,
    ...(order === undefined ? {} : { order }),
  };
  const payment: Payment = {
    paymentId,
    purpose,
    points,
    amountMinor,
    currency: intent.currency,
    provider: intent.provider,
    paymentIntentId: intent.paymentIntentId,
    status: 'pending',
    requestedAtMs: occurredAtMs,
    providerEventIds: [],
    ...(order === undefined ? {} : { order }),
  };
  const outcome = await handleCommand(deps, {
    walletId: input.wallet,
    placement: 'lane-0',
    fold: foldWallet,
    ...family,
    command: () => command,
    stamp: stampWith(`${paymentId}-requested`, occurredAtMs),
    idempotency: input.idempotency,
    respond: () => input.respond(payment, intent),
  });
  switch (outcome.kind) {
    case 'recorded':
      if (outcome.response === undefined) throw new Error('payments: a response is always built');
      return { kind: 'recorded', response: outcome.response };
    case 'unchanged':
      // Recorded by an earlier attempt whose answer was lost: the same payment, answered again.
      return { kind: 'recorded', response: input.respond(payment, intent) };
    case 'rejected':
      // Nothing recorded (the points to hold are gone): the intent must not be paid.
      await cancelQuietly(deps, intent.paymentIntentId, paymentId);
      return outcome;
    case 'contended':
      return { kind: 'contended' };
    default:
      return outcome;
  }
}

export const stampWith =
  (id: string, occurredAtMs: number) => (events: readonly WalletEvent[], command: WalletCommand) =>
    events.map((event, index) => ({
      ...event,
      eventId: `${id}-${command.type === 'TransferIn' ? 'in' : event.type}${index === 0 ? '' : `-${index}`}`,
      recordedAtMs: occurredAtMs,
    }));

/** Best effort: a failed cancel leaves an intent nobody will pay (the buyer's client never got it). */
export async function cancelQuietly(deps: PaymentDeps, paymentIntentId: string, paymentId: string) {
  try {
    await deps.provider.cancel(paymentIntentId, { idempotencyKey: `tally-cancel-${paymentId}` });
  } catch (error) {
    deps.log?.('could not cancel the payment intent', { paymentId, paymentIntentId, error: String(error) });
  }
}

/** A payment as the wallet's log tells it, its hold (an order's), and the events that are its history. */
export async function readPayment(
  store: EventStore,
  paymentId: string,
): Promise<{ wallet: string; payment: Payment; hold?: Hold; history: RecordedEvent[] } | undefined> {
  const wallet = walletOfPayment(paymentId);
  if (wallet === undefined) return undefined;
  const events = await readWallet(store, wallet);
  const state = foldWallet(events, initialWalletState());
  const payment = state.payments.get(paymentId);
  if (payment === undefined) return undefined;
  const hold = payment.order === undefined ? undefined : state.holds.get(payment.order.holdId);
  const history = events.filter(
    (event) =>
      ('paymentId' in event.data && event.data.paymentId === paymentId) ||
      ('holdId' in event.data && event.data.holdId === paymentId),
  );
  return { wallet, payment, ...(hold === undefined ? {} : { hold }), history };
}

export const notFound = (paymentId: string) =>
  new DomainError('payment_not_found', `No payment ${paymentId}.`);
