/**
 * `POST /payments/webhook`: a provider delivery verified, then applied to its payment (see
 * payments.ts for the why). An order's
 * success moves the held points to the merchant, so it is decided over both wallets and appended
 * in one transaction (two-wallet-command.ts); everything else is the paying wallet's alone.
 * Either way the idempotency record of the provider event rides in the same transaction.
 */
import { type DomainError, isDomainError } from '#domain/errors.ts';
import {
  decideSettlement,
  decideSettlementOrTransferIn,
  foldWallet,
  type PaymentOutcome,
  type PaymentStatus,
  type TradingCommand,
  type WalletCommand,
  type WalletEvent,
} from '#domain/wallet.ts';
import type { StoredResponse } from '#ports/event-store.ts';
import type { ProviderEvent, WebhookHeaders, WebhookRejectionReason } from '#ports/payment-provider.ts';
import { handleCommand } from './command-handler.ts';
import { type ExactState, exactStateEarly, exactStateNow, takenOnce } from './exact-state.ts';
import { paymentListingChangesOf } from './payment-index.ts';
import { cancelQuietly, type PaymentDeps, stampWith, walletOfPayment } from './payments.ts';
import { applyRefund, refundCommandOf } from './refunds.ts';
import { handleTwoWalletCommand } from './two-wallet-command.ts';

type Settle = WalletCommand & { type: 'SettlePayment' };

/** Thrown by the two-wallet attempt when the order's hold is no longer there to capture. */
class NothingToCapture extends Error {}

const answer = (paymentId: string, status: PaymentStatus): StoredResponse => ({
  statusCode: 200,
  body: `{"received":true,"paymentId":${JSON.stringify(paymentId)},"status":"${status}"}`,
});

/** The status the payment has after `events` (decided for it), or `before` when they say nothing. */
function statusAfter(
  events: readonly { type: string; data: unknown }[],
  before: PaymentStatus,
): PaymentStatus {
  for (const event of events) {
    if (event.type === 'PaymentSucceeded') return 'succeeded';
    if (event.type === 'PaymentFailed') return (event.data as { reason: 'failed' | 'canceled' }).reason;
  }
  return before;
}

/** What a webhook delivery came to. */
export type WebhookResult =
  | { kind: 'unauthentic'; reason: Exclude<WebhookRejectionReason, 'unreadable-payload'> }
  | { kind: 'unreadable' }
  /** Authentic, but nothing Tally acts on (another event type, an intent Tally did not make). */
  | { kind: 'ignored'; reason: string }
  /** Applied now, applied before (a redelivery), or changing nothing (a late failure). */
  | { kind: 'applied' | 'replayed' | 'unchanged'; response: StoredResponse }
  | { kind: 'rejected'; error: DomainError }
  | { kind: 'contended' };

const OUTCOMES: Partial<Record<ProviderEvent['kind'], PaymentOutcome>> = {
  succeeded: 'succeeded',
  failed: 'failed',
  canceled: 'canceled',
};

/** `POST /payments/webhook`: one provider delivery, verified, applied at most once. */
export async function applyWebhook(
  deps: PaymentDeps,
  rawBody: string,
  headers: WebhookHeaders,
  fingerprint: (value: unknown) => string,
): Promise<WebhookResult> {
  const verified = await deps.provider.verifyWebhook(rawBody, headers);
  if (verified.outcome === 'rejected') {
    deps.log?.('webhook refused', { reason: verified.reason, detail: verified.detail });
    return verified.reason === 'unreadable-payload'
      ? { kind: 'unreadable' }
      : { kind: 'unauthentic', reason: verified.reason };
  }
  if (verified.outcome === 'ignored') return { kind: 'ignored', reason: `event type ${verified.type}` };
  const { event } = verified;
  const outcome = OUTCOMES[event.kind];
  if (outcome === undefined && event.kind !== 'refunded') {
    return { kind: 'ignored', reason: `intent ${event.kind}` };
  }
  const wallet = event.metadata ? walletOfPayment(event.metadata.paymentId) : undefined;
  if (event.metadata === null || wallet === undefined || wallet !== event.metadata.wallet) {
    deps.log?.('webhook names no payment of ours', { providerEventId: event.providerEventId });
    return { kind: 'ignored', reason: 'the intent names no Tally payment' };
  }
  const idempotencyOf = (payload: Record<string, unknown>) => ({
    // Namespaced by provider: provider event ids are unique per provider only.
    key: `payment-event:${event.provider}:${event.providerEventId}`,
    payloadHash: fingerprint({ operation: 'payment-webhook', ...payload }),
  });
  if (event.kind === 'refunded' || outcome === undefined) {
    if (event.refund === undefined) return { kind: 'ignored', reason: 'a refund without its id' };
    const refund = refundCommandOf(wallet, event.metadata.paymentId, event, event.refund);
    const applied = await applyRefund(
      deps,
      refund,
      idempotencyOf({ ...refund, refundedTotalMinor: refund.refundedTotalMinor.toString() }),
    );
    if (applied.kind === 'rejected') {
      // Refused (the points were spent): nothing recorded; the provider's redelivery tries again.
      deps.log?.('refund refused', { paymentId: refund.paymentId, detail: applied.error.message });
    }
    return applied.kind === 'key-reused'
      ? { kind: 'ignored', reason: 'a provider event id seen before with another payload' }
      : applied;
  }
  const command: WalletCommand & { type: 'SettlePayment' } = {
    type: 'SettlePayment',
    walletId: wallet,
    paymentId: event.metadata.paymentId,
    outcome,
    provider: event.provider,
    providerEventId: event.providerEventId,
    paymentIntentId: event.paymentIntentId,
    amountMinor: event.amountMinor,
    currency: event.currency,
    occurredAtMs: event.occurredAtMs,
  };
  return settlePayment(
    deps,
    command,
    idempotencyOf({ ...command, amountMinor: command.amountMinor.toString() }),
  );
}

async function settlePayment(
  deps: PaymentDeps,
  command: Settle,
  idempotency: { key: string; payloadHash: string },
): Promise<WebhookResult> {
  // The wallet's exact state goes out with the provider event's key look-up: one wait, not three
  // (the key, then the log, then lane 0's head and the log again). It is both what is looked at
  // here (the payment, its order) and what the lane-0 decision starts from (its append is
  // conditioned on the head this read found). A redelivery is answered by the key and the read
  // was for nothing; one racing this delivery meets the key item the append creates.
  const read = exactStateNow(deps.store, command.walletId, foldWallet);
  const used = await deps.store.findIdempotency(idempotency.key);
  if (used !== undefined) {
    // Same provider event id: a redelivery. Its payload cannot differ unless the provider lies.
    return used.payloadHash === idempotency.payloadHash
      ? { kind: 'replayed', response: used.response }
      : { kind: 'ignored', reason: 'a provider event id seen before with another payload' };
  }
  const exact = await read;
  const payment = exact.state.payments.get(command.paymentId);
  const merchant = payment?.order?.merchant;
  const stamp = stampWith(`${command.paymentId}-${command.providerEventId}`, command.occurredAtMs);
  // What the lane-0 decision starts from: the state read with the key, unless an order's capture
  // (which takes it) found nothing to capture, perhaps on a later read: then a fresh one.
  let firstState: ExactState | undefined = exact;
  if (merchant !== undefined && command.outcome === 'succeeded') {
    firstState = undefined;
    try {
      return await settleWithMerchant(deps, command, merchant, idempotency, stamp, exact);
    } catch (error) {
      if (!(error instanceof NothingToCapture)) throw error;
    }
  }
  const before = payment?.status ?? 'pending';
  const outcome = await handleCommand(deps, {
    walletId: command.walletId,
    placement: 'lane-0',
    ...(firstState === undefined ? {} : { firstState: takenOnce(Promise.resolve(firstState)) }),
    fold: foldWallet,
    decide: decideSettlement,
    indexes: paymentListingChangesOf,
    command: () => command,
    stamp,
    idempotency,
    respond: (events) => answer(command.paymentId, statusAfter(events, before)),
  });
  switch (outcome.kind) {
    case 'recorded': {
      if (outcome.response === undefined) throw new Error('settlePayment: a response is always built');
      // An order whose cash failed: cancel the intent, so a retry by the buyer cannot take cash
      // for points already released.
      const failedOrder =
        payment?.order !== undefined && command.outcome === 'failed' && payment.status === 'pending';
      if (failedOrder) await cancelQuietly(deps, command.paymentIntentId, command.paymentId);
      return { kind: 'applied', response: outcome.response };
    }
    case 'unchanged': {
      const now = outcome.state.payments.get(command.paymentId)?.status ?? before;
      return { kind: 'unchanged', response: answer(command.paymentId, now) };
    }
    case 'replayed':
      return { kind: 'replayed', response: outcome.response };
    case 'key-reused':
      return { kind: 'ignored', reason: 'a provider event id seen before with another payload' };
    case 'rejected':
      return outcome;
    case 'contended':
      return { kind: 'contended' };
  }
}

/** The success of an order: the buyer's hold captured to the merchant, both wallets at once. */
async function settleWithMerchant(
  deps: PaymentDeps,
  command: Settle,
  merchant: string,
  idempotency: { key: string; payloadHash: string },
  stamp: (events: readonly WalletEvent[], command: WalletCommand) => ReturnType<ReturnType<typeof stampWith>>,
  buyer: ExactState,
): Promise<WebhookResult> {
  let captured: bigint | undefined;
  const outcome = await handleTwoWalletCommand<Settle | (TradingCommand & { type: 'TransferIn' })>(deps, {
    // The buyer's state as settlePayment read it; the merchant's, sent now, where this instance has none.
    firstStates: [takenOnce(Promise.resolve(buyer)), exactStateEarly(deps.store, merchant, foldWallet)],
    decide: decideSettlementOrTransferIn,
    indexes: paymentListingChangesOf,
    wallets: [
      {
        walletId: command.walletId,
        command: (state) => {
          const decided = decideSettlement(command, state);
          if (isDomainError(decided)) return decided;
          const capture = decided.find((event) => event.type === 'HoldCaptured');
          // Redelivered, already settled, or the hold ended: nothing reaches the merchant.
          if (capture?.type !== 'HoldCaptured') throw new NothingToCapture();
          captured = capture.data.amount;
          return command;
        },
      },
      {
        walletId: merchant,
        command: () => ({
          type: 'TransferIn',
          walletId: merchant,
          asset: 'points',
          amount: captured ?? 0n,
          transferId: `order:${command.paymentId}`,
          from: command.walletId,
          occurredAtMs: command.occurredAtMs,
        }),
      },
    ],
    stamp,
    idempotency,
    respond: () => answer(command.paymentId, 'succeeded'),
  });
  switch (outcome.kind) {
    case 'recorded':
      return { kind: 'applied', response: outcome.response ?? answer(command.paymentId, 'succeeded') };
    case 'unchanged':
      return { kind: 'unchanged', response: answer(command.paymentId, 'succeeded') };
    case 'replayed':
      return { kind: 'replayed', response: outcome.response };
    case 'key-reused':
      return { kind: 'ignored', reason: 'a provider event id seen before with another payload' };
    case 'rejected':
      return outcome;
    case 'contended':
      return { kind: 'contended' };
  }
}
