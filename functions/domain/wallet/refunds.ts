/**
 * Refunds, decided with the floor rule that corrections follow (decide.ts, refusedBelowFloor):
 * a refund of a points purchase takes back the points that cash bought, and only if they are
 * available. If they were spent or are held, the refund is refused (`correction_below_floor`,
 * naming the shortfall) and nothing is recorded; the provider's webhook is answered 409, so the
 * provider keeps re-sending it, and it is applied once the points are back (or the operator
 * reverses the spend). Tally's own refund route checks first and never asks the provider for a
 * refund the wallet cannot give back (app/refunds.ts).
 *
 * Exactly once: refunds are reported cumulatively (the total refunded so far), so the decision
 * takes back the points the new total calls for less what earlier refunds took: a repeated, late
 * or reordered report decides nothing, and each provider refund id is applied at most once.
 * A partial refund takes back points in proportion, rounded up (the buyer never keeps points
 * they got their cash back for). An order's refund gives back cash only: its points went to the
 * merchant in the capture, and taking them back is the merchant's transfer, not the buyer's refund.
 */
import { DomainError } from '../errors.ts';
import type { WalletEvent } from './events.ts';
import type { Payment, PaymentCommand } from './payment-types.ts';
import type { WalletState } from './state.ts';
import { available } from './state.ts';

type Refund = PaymentCommand & { type: 'RefundPayment' };

/** The points a payment's refunds take back in all once `refundedTotalMinor` is refunded. */
export function pointsBackFor(payment: Payment, refundedTotalMinor: bigint): bigint {
  if (payment.purpose !== 'points-purchase' || payment.amountMinor <= 0n) return 0n;
  // Rounded up: ceil(points × refunded / amount).
  return (payment.points * refundedTotalMinor + payment.amountMinor - 1n) / payment.amountMinor;
}

export function decideRefund(command: Refund, state: WalletState): readonly WalletEvent[] | DomainError {
  const payment = state.payments.get(command.paymentId);
  if (payment === undefined) return new DomainError('payment_not_found', `No payment ${command.paymentId}.`);
  if (payment.refundIds?.includes(command.providerRefundId)) return [];
  if (
    payment.provider !== command.provider ||
    payment.paymentIntentId !== command.paymentIntentId ||
    payment.currency !== command.currency
  ) {
    return new DomainError(
      'payment_mismatch',
      `Payment ${payment.paymentId} was made with another provider intent or currency.`,
    );
  }
  if (payment.status !== 'succeeded') {
    return new DomainError(
      'payment_not_refundable',
      `Payment ${payment.paymentId} is ${payment.status}: no cash was taken, nothing can be refunded.`,
    );
  }
  if (command.refundedTotalMinor > payment.amountMinor) {
    return new DomainError(
      'payment_mismatch',
      `Payment ${payment.paymentId} took ${payment.amountMinor} ${payment.currency} (minor units); the provider reports ${command.refundedTotalMinor} refunded.`,
    );
  }
  const before = payment.refunded ?? { amountMinor: 0n, points: 0n };
  // An older or repeated total: everything it reports is applied already.
  if (command.refundedTotalMinor <= before.amountMinor) return [];
  const points = pointsBackFor(payment, command.refundedTotalMinor) - before.points;
  const position = state.balances.points;
  const after = available(position) - points;
  if (after < position.floor) {
    return new DomainError(
      'correction_below_floor',
      `Refunding payment ${payment.paymentId} takes back ${points} points from wallet ${command.walletId}, which has ${available(position)} available (balance ${position.balance} − held ${position.held}); it would end ${position.floor - after} below its floor ${position.floor}. Reverse the spend first (a transfer back, a release), then refund.`,
    );
  }
  return [
    {
      type: 'PaymentRefunded',
      data: {
        paymentId: payment.paymentId,
        provider: command.provider,
        providerRefundId: command.providerRefundId,
        amountMinor: command.refundedTotalMinor - before.amountMinor,
        refundedTotalMinor: command.refundedTotalMinor,
        currency: command.currency,
        points,
        occurredAtMs: command.occurredAtMs,
      },
    },
  ];
}
