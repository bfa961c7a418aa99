/**
 * Refunds (domain/wallet/refunds.ts decides them): from the provider's webhook (a refund made at
 * the provider, or the echo of one Tally asked for), and from `POST /payments/{id}/refund`.
 * Either way the refund is one RefundPayment decided in lane 0 against the wallet's exact state
 * and appended with an idempotency record, so it is applied once; refused (the points it would
 * take back are spent or held), nothing is recorded.
 *
 * The route never asks the provider for a refund the wallet cannot give back: it decides first
 * against the state it read, and only then asks the provider (with an idempotency key derived
 * from the client's, so a retry gets the same refund, never a second). If the points are spent in
 * the moment between, the decision after the provider's answer is refused and answered 409; the
 * provider's own webhook for that refund then keeps coming until the points are back (or the
 * operator reverses the spend), and is applied then, once.
 */
import { DomainError, isDomainError } from '#domain/errors.ts';
import {
  applyPayment,
  decideRefund,
  foldWallet,
  initialWalletState,
  isPaymentEvent,
  type Payment,
  type RecordedEvent,
  type WalletCommand,
} from '#domain/wallet.ts';
import type { StoredResponse } from '#ports/event-store.ts';
import { type CreatedRefund, PaymentProviderError, type ProviderEvent } from '#ports/payment-provider.ts';
import { handleCommand } from './command-handler.ts';
import { type IdempotencyInput, priorUse } from './idempotency.ts';
import { paymentListingChangesOf } from './payment-index.ts';
import { type PaymentDeps, type PaymentResult, stampWith, walletOfPayment } from './payments.ts';
import { readWallet } from './read-events.ts';

type Refund = WalletCommand & { type: 'RefundPayment' };

export const refundCommandOf = (
  walletId: string,
  paymentId: string,
  event: Pick<ProviderEvent, 'provider' | 'paymentIntentId' | 'currency' | 'occurredAtMs'>,
  refund: { refundId: string; refundedTotalMinor: bigint },
): Refund => ({
  type: 'RefundPayment',
  walletId,
  paymentId,
  provider: event.provider,
  providerRefundId: refund.refundId,
  paymentIntentId: event.paymentIntentId,
  refundedTotalMinor: refund.refundedTotalMinor,
  currency: event.currency,
  occurredAtMs: event.occurredAtMs,
});

const received = (paymentId: string): StoredResponse => ({
  statusCode: 200,
  body: `{"received":true,"paymentId":${JSON.stringify(paymentId)},"status":"refunded"}`,
});

/** A provider's refund event, applied at most once (its idempotency record rides with it). */
export async function applyRefund(
  deps: PaymentDeps,
  command: Refund,
  idempotency: { key: string; payloadHash: string },
  respond: (events: readonly RecordedEvent[]) => StoredResponse = () => received(command.paymentId),
) {
  const used = await deps.store.findIdempotency(idempotency.key);
  if (used !== undefined) {
    // The same provider event (or client key) again: the first answer, nothing written.
    return used.payloadHash === idempotency.payloadHash
      ? { kind: 'replayed' as const, response: used.response }
      : { kind: 'key-reused' as const };
  }
  const outcome = await handleCommand(deps, {
    walletId: command.walletId,
    placement: 'lane-0',
    fold: foldWallet,
    decide: decideRefund,
    indexes: paymentListingChangesOf,
    command: () => command,
    stamp: stampWith(`${command.paymentId}-${command.providerRefundId}`, command.occurredAtMs),
    idempotency,
    respond,
  });
  switch (outcome.kind) {
    case 'recorded':
      return { kind: 'applied' as const, response: outcome.response ?? respond([]) };
    case 'unchanged':
      return { kind: 'unchanged' as const, response: respond([]) };
    case 'contended':
      return { kind: 'contended' as const };
    default:
      return outcome;
  }
}

export interface RefundRequestInput {
  paymentId: string;
  idempotency: IdempotencyInput;
  /** The answer: the payment as it stands after the refund. */
  respond: (wallet: string, payment: Payment) => StoredResponse;
}

/** `POST /payments/{payment_id}/refund`: what is left of a succeeded payment, given back. */
export async function requestRefund(deps: PaymentDeps, input: RefundRequestInput): Promise<PaymentResult> {
  const used = await priorUse(deps.store, input.idempotency);
  if (used) return used;
  const wallet = walletOfPayment(input.paymentId);
  const notFound = {
    kind: 'rejected',
    error: new DomainError('payment_not_found', `No payment ${input.paymentId}.`),
  } as const;
  if (wallet === undefined) return notFound;
  const state = foldWallet(await readWallet(deps.store, wallet), initialWalletState());
  const payment = state.payments.get(input.paymentId);
  if (payment === undefined) return notFound;
  const before = payment.refunded?.amountMinor ?? 0n;
  const occurredAtMs = deps.clock.nowMs();
  const intent = {
    provider: payment.provider,
    paymentIntentId: payment.paymentIntentId,
    currency: payment.currency,
    occurredAtMs,
  };
  // Decided first against what was read: refused (spent points, not paid), the provider is not asked.
  const first = decideRefund(
    refundCommandOf(wallet, payment.paymentId, intent, {
      refundId: 'not-yet',
      refundedTotalMinor: payment.amountMinor,
    }),
    state,
  );
  if (isDomainError(first)) return { kind: 'rejected', error: first };
  if (first.length === 0) return { kind: 'recorded', response: input.respond(wallet, payment) };
  let created: CreatedRefund;
  try {
    created = await deps.provider.refund(payment.paymentIntentId, {
      amountMinor: payment.amountMinor - before,
      idempotencyKey: `tally-refund-${payment.paymentId}-${deps.hash(input.idempotency.key).slice(0, 24)}`,
    });
  } catch (error) {
    if (error instanceof PaymentProviderError) return { kind: 'provider-failed', error };
    throw error;
  }
  const command = refundCommandOf(wallet, payment.paymentId, intent, {
    refundId: created.refundId,
    refundedTotalMinor: before + created.amountMinor,
  });
  // The answer is the payment after the refund: the events decided, folded into it.
  const respond = (events: readonly RecordedEvent[]) => {
    const payments = new Map([[payment.paymentId, payment]]);
    for (const event of events)
      if (isPaymentEvent(event)) applyPayment(state.balances.points, payments, event);
    return input.respond(wallet, payments.get(payment.paymentId) ?? payment);
  };
  const applied = await applyRefund(deps, command, input.idempotency, respond);
  if (applied.kind === 'applied' || applied.kind === 'unchanged') {
    return { kind: 'recorded', response: applied.response };
  }
  return applied;
}
