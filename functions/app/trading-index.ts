/**
 * What a wallet's new events change in the trading indexes (ports/trading-index.ts), derived from
 * the events and the state they were decided against, so every write path keeps the indexes in
 * step without knowing of them: an offer opened, filled by an accept, cancelled, expired by the
 * sweep, or lapsed inside a spend (trading.ts ends expired holds a spend meets) moves in the book
 * in the same transaction; so does a payment in its wallet's payment listing. Pure.
 */
import { type Hold, isPaymentEvent, type WalletEvent, type WalletState } from '#domain/wallet.ts';
import type { IndexChange, OfferListing, OfferStatus } from '#ports/trading-index.ts';
import { paymentIndexChangesOf } from './payment-index.ts';

export function indexChangesOf(
  walletId: string,
  state: WalletState,
  events: readonly WalletEvent[],
): IndexChange[] {
  const changes: IndexChange[] = [];
  // Holds placed by these events, so one placed and ended in the same append is followed too.
  const placed = new Map<string, Hold>();
  for (const event of events) {
    switch (event.type) {
      case 'HoldPlaced': {
        const { holdId, asset, amount, expiresAtMs, offer } = event.data;
        const hold: Hold = {
          holdId,
          asset,
          amount,
          expiresAtMs,
          status: 'active',
          ...(offer ? { offer } : {}),
        };
        placed.set(holdId, hold);
        changes.push({ kind: 'expiry', entry: { walletId, holdId, expiresAtMs } });
        if (offer) changes.push({ kind: 'offer', offer: listing(walletId, hold, 'open') });
        break;
      }
      case 'AuthorizationDecided':
        changes.push(...approvalExpiry(walletId, event));
        break;
      case 'HoldCaptured':
      case 'HoldReleased': {
        const { holdId } = event.data;
        const hold = placed.get(holdId) ?? state.holds.get(holdId);
        if (hold?.offer === undefined) break;
        const status: OfferStatus =
          event.type === 'HoldCaptured'
            ? 'filled'
            : event.data.reason === 'expired'
              ? 'expired'
              : 'cancelled';
        const buyer = event.type === 'HoldCaptured' ? event.data.counterparty : undefined;
        changes.push({ kind: 'offer', offer: listing(walletId, hold, status, buyer), from: 'open' });
        break;
      }
      default:
        break;
    }
  }
  // A wallet's payments and orders, listed without reading its log (app/payment-index.ts).
  changes.push(...paymentIndexChangesOf(walletId, state, events));
  return changes;
}

function listing(seller: string, hold: Hold, status: OfferStatus, buyer?: string): OfferListing {
  if (hold.offer === undefined) throw new Error('listing: the hold backs no offer');
  return {
    offerId: hold.holdId,
    seller,
    asset: hold.asset,
    amount: hold.amount,
    price: hold.offer.price,
    expiresAtMs: hold.expiresAtMs,
    status,
    ...(buyer === undefined ? {} : { buyer }),
  };
}

/**
 * A card approval is a hold under the authorization's id (domain/card/evolve.ts): the expiry
 * sweep releases it on time, by an event, as it does any hold.
 */
function approvalExpiry(
  walletId: string,
  event: WalletEvent & { type: 'AuthorizationDecided' },
): IndexChange[] {
  const { decision, authorizationId, expiresAtMs } = event.data;
  return decision === 'approved'
    ? [{ kind: 'expiry', entry: { walletId, holdId: authorizationId, expiresAtMs } }]
    : [];
}

/**
 * The index changes of a card account's write (app/cards.ts): an approval's expiry entry, all its
 * events can change. A write whose events would change another listing (a hold placed, a hold
 * backing an offer or an order ended, a payment's own events) is refused here rather than left
 * unindexed: it names `indexChangesOf`. So the accounts bundle carries neither the offer book's
 * nor the payment listing's code (as payment writes carry no offer book's: payment-index.ts
 * `paymentListingChangesOf`).
 */
export function cardIndexChangesOf(
  walletId: string,
  state: WalletState,
  events: readonly WalletEvent[],
): IndexChange[] {
  const changes: IndexChange[] = [];
  for (const event of events) {
    if (event.type === 'AuthorizationDecided') {
      changes.push(...approvalExpiry(walletId, event));
      continue;
    }
    const ended =
      event.type === 'HoldCaptured' || event.type === 'HoldReleased' ? event.data.holdId : undefined;
    const listed =
      ended !== undefined &&
      (state.holds.get(ended)?.offer !== undefined || state.payments.get(ended)?.order?.holdId === ended);
    if (event.type === 'HoldPlaced' || isPaymentEvent(event) || listed)
      throw new Error(`cardIndexChangesOf: a ${event.type} event changes a listing`);
  }
  return changes;
}
