/**
 * What a wallet's new events change in its payment listing (ports/payment-index.ts): the payments
 * they touch, each as it stands after them, folded with the decider's own fold so the listing
 * cannot disagree with `GET /payments/{id}`. Every write path calls this through indexChangesOf
 * (trading-index.ts), so a payment's entry moves in the transaction of the event that moves it.
 * Pure.
 */
import {
  type AssetBalance,
  applyPayment,
  isPaymentEvent,
  type Payment,
  type WalletEvent,
  type WalletState,
} from '#domain/wallet.ts';
import type { PaymentListing } from '#ports/payment-index.ts';
import type { IndexChange } from '#ports/trading-index.ts';

/**
 * The index changes of a write whose events are a payment's own (a purchase, a refund, a
 * settlement and the end of its order's hold, the merchant's TransferIn): its payment listing
 * alone. An order's hold backs no offer and those writes place none, so the trading index has
 * nothing to change; a write whose events would change it is refused here rather than left
 * unindexed (it names trading-index.ts `indexChangesOf`).
 */
export function paymentListingChangesOf(
  walletId: string,
  state: WalletState,
  events: readonly WalletEvent[],
): IndexChange[] {
  for (const event of events) {
    const offerEnded =
      (event.type === 'HoldCaptured' || event.type === 'HoldReleased') &&
      state.holds.get(event.data.holdId)?.offer !== undefined;
    if (event.type === 'HoldPlaced' || event.type === 'AuthorizationDecided' || offerEnded)
      throw new Error(`paymentListingChangesOf: a ${event.type} event changes the trading index`);
  }
  return paymentIndexChangesOf(walletId, state, events);
}

export function paymentIndexChangesOf(
  walletId: string,
  state: WalletState,
  events: readonly WalletEvent[],
): IndexChange[] {
  // The payments these events touch, folded in a map of their own (the state's stays as it is).
  const payments = new Map<string, Payment>();
  const touched = new Map<string, { updatedAtMs: number; holdEnded: boolean }>();
  const points: AssetBalance = state.balances.points;
  // An order's hold has the order's id (app/orders.ts), so the hold names its payment.
  const orderOfHold = (holdId: string): Payment | undefined => {
    const payment = payments.get(holdId) ?? state.payments.get(holdId);
    return payment?.order?.holdId === holdId ? payment : undefined;
  };
  for (const event of events) {
    if (isPaymentEvent(event)) {
      const { paymentId, occurredAtMs } = event.data;
      const before = state.payments.get(paymentId);
      if (before !== undefined && !payments.has(paymentId)) payments.set(paymentId, before);
      applyPayment(points, payments, event);
      const seen = touched.get(paymentId);
      touched.set(paymentId, { updatedAtMs: occurredAtMs, holdEnded: seen?.holdEnded ?? false });
      continue;
    }
    if (event.type !== 'HoldCaptured' && event.type !== 'HoldReleased') continue;
    // An order's hold that ends while its payment is pending ends the order (expired).
    const payment = orderOfHold(event.data.holdId);
    if (payment === undefined) continue;
    if (!payments.has(payment.paymentId)) payments.set(payment.paymentId, payment);
    const seen = touched.get(payment.paymentId);
    touched.set(payment.paymentId, {
      updatedAtMs: Math.max(seen?.updatedAtMs ?? 0, event.data.occurredAtMs),
      holdEnded: true,
    });
  }
  const changes: IndexChange[] = [];
  for (const [paymentId, { updatedAtMs, holdEnded }] of touched) {
    const payment = payments.get(paymentId);
    if (payment === undefined) continue; // an event about a payment the log never requested
    const ended = holdEnded || hasEnded(state, payment);
    changes.push({ kind: 'payment', listing: listingOf(walletId, payment, updatedAtMs, ended) });
  }
  return changes;
}

/** Whether an order's hold had already ended before these events. */
const hasEnded = (state: WalletState, payment: Payment): boolean => {
  if (payment.order === undefined) return false;
  const hold = state.holds.get(payment.order.holdId);
  return hold !== undefined && hold.status !== 'active';
};

function listingOf(
  walletId: string,
  payment: Payment,
  updatedAtMs: number,
  holdEnded: boolean,
): PaymentListing {
  const { order } = payment;
  return {
    walletId,
    paymentId: payment.paymentId,
    purpose: payment.purpose,
    status: payment.status,
    points: payment.points,
    amountMinor: payment.amountMinor,
    currency: payment.currency,
    provider: payment.provider,
    createdAtMs: payment.requestedAtMs,
    updatedAtMs: Math.max(updatedAtMs, payment.requestedAtMs),
    ...(payment.settledAtMs === undefined ? {} : { settledAtMs: payment.settledAtMs }),
    ...(payment.refundDue ? { refundDue: true } : {}),
    ...(payment.refunded === undefined ? {} : { refunded: { ...payment.refunded } }),
    ...(order === undefined
      ? {}
      : {
          order: {
            merchant: order.merchant,
            priceMinor: order.priceMinor,
            pointsValueMinor: order.pointsValueMinor,
            expiresAtMs: order.expiresAtMs,
            ...(holdEnded ? { holdEnded: true } : {}),
          },
        }),
  };
}
