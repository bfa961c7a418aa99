import { type CardEvent, cardMoves, isCardEvent } from './card/events.ts';
import { isPaymentEvent, type PaymentEvent, type TradingEvent, tradingMoves } from './wallet.ts';

export { isCardEvent };

/** A hold not yet captured or released (an offer's, an order's, a card approval's), as the view keeps it. */
export interface ActiveHold {
  holdId: string;
  asset: 'money' | 'points';
  amount: bigint;
  expiresAtMs: number;
}

/** The parts of the wallet view (wallet-view.ts) that holds and transfers move. */
export interface TradedView {
  balanceMinor: bigint;
  points: bigint;
  moneyMovedMinor: bigint;
  moneyHeldMinor: bigint;
  pointsHeld: bigint;
  tradeCount: number;
  /**
   * The holds in `moneyHeldMinor`/`pointsHeld`, in the order they were placed (all in lane 0, so a
   * rebuild keeps the order): a read at a time past a hold's expiry shows it released (heldAt).
   */
  activeHolds: readonly ActiveHold[];
}

/**
 * What is held at `nowMs`: an active hold past its expiry counts as released, as the sweep (or the
 * next spend) will record it, so reads do not wait for the sweep. The sweep releases the whole
 * amount, so the answer equals what the view will hold once it has run.
 */
export function heldAt(
  view: Pick<TradedView, 'moneyHeldMinor' | 'pointsHeld' | 'activeHolds'>,
  nowMs: number,
): { moneyHeldMinor: bigint; pointsHeld: bigint } {
  let { moneyHeldMinor, pointsHeld } = view;
  for (const hold of view.activeHolds) {
    if (nowMs < hold.expiresAtMs) continue;
    if (hold.asset === 'money') moneyHeldMinor -= hold.amount;
    else pointsHeld -= hold.amount;
  }
  return { moneyHeldMinor, pointsHeld };
}

const placeHold = (next: TradedView, hold: ActiveHold): void => {
  next.activeHolds = [...next.activeHolds, hold];
};

const endHold = (next: TradedView, holdId: string): void => {
  next.activeHolds = next.activeHolds.filter((hold) => hold.holdId !== holdId);
};

/**
 * Folds a hold, capture, release, transfer or payment into `next` (in place). Sums only, so any
 * order of the same events gives the same view. Of the payment events only a success and a refund
 * move a balance (the points a purchase bought, or took back); an order's points move by its hold's capture.
 */
export function applyTrade(next: TradedView, event: TradingEvent | PaymentEvent): void {
  if (isPaymentEvent(event)) {
    if (event.type === 'PaymentSucceeded' && event.data.points !== 0n) {
      next.points += event.data.points;
      next.tradeCount += 1;
    }
    // A refund takes back the points its cash bought (decided against the floor: refunds.ts).
    if (event.type === 'PaymentRefunded' && event.data.points !== 0n) {
      next.points -= event.data.points;
      next.tradeCount += 1;
    }
    return;
  }
  const { asset, balance, held } = tradingMoves(event);
  if (event.type === 'HoldPlaced') {
    const { holdId, amount, expiresAtMs } = event.data;
    placeHold(next, { holdId, asset, amount, expiresAtMs });
  } else if (event.type === 'HoldCaptured' || event.type === 'HoldReleased') {
    endHold(next, event.data.holdId);
  }
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
  // An approval reserves its amount as a hold under the authorization's id (card/evolve.ts).
  if (event.type === 'AuthorizationDecided' && held !== 0n) {
    const { authorizationId, expiresAtMs } = event.data;
    placeHold(next, { holdId: authorizationId, asset: 'money', amount: held, expiresAtMs });
  }
  next.balanceMinor += balance;
  next.moneyMovedMinor += balance;
  next.moneyHeldMinor += held;
}
