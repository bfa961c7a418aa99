import { type CardEvent, cardMoves, isCardEvent } from './card/events.ts';
import { isPaymentEvent, type PaymentEvent, type TradingEvent, tradingMoves } from './wallet.ts';

export { isCardEvent };

/** The parts of the wallet view (wallet-view.ts) that holds and transfers move. */
export interface TradedView {
  balanceMinor: bigint;
  points: bigint;
  moneyMovedMinor: bigint;
  moneyHeldMinor: bigint;
  pointsHeld: bigint;
  tradeCount: number;
}

/**
 * Folds a hold, capture, release, transfer or payment into `next` (in place). Sums only, so any
 * order of the same events gives the same view. Of the payment events only a success moves a
 * balance (the points a purchase bought); an order's points move by its hold's capture.
 */
export function applyTrade(next: TradedView, event: TradingEvent | PaymentEvent): void {
  if (isPaymentEvent(event)) {
    if (event.type === 'PaymentSucceeded' && event.data.points !== 0n) {
      next.points += event.data.points;
      next.tradeCount += 1;
    }
    return;
  }
  const { asset, balance, held } = tradingMoves(event);
  if (asset === 'money') {
    next.moneyMovedMinor += balance;
    next.balanceMinor += balance;
    next.moneyHeldMinor += held;
  } else {
    next.points += balance;
    next.pointsHeld += held;
  }
  next.tradeCount += 1;
}

/** Folds a card account's event into `next` (in place): payments and returns move the balance, approvals hold. */
export function applyCardMoney(next: TradedView, event: CardEvent): void {
  const { balance, held } = cardMoves(event);
  next.balanceMinor += balance;
  next.moneyMovedMinor += balance;
  next.moneyHeldMinor += held;
}
