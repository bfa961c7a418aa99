/**
 * The offer book: an offer is a hold on the seller's wallet carrying its price (HoldPlaced with
 * `offer`), so the seller's lot is reserved from the moment it is offered and the offer's state is
 * the hold's. Accepting it is one transaction over both wallets (two-wallet-command.ts):
 * - seller: the hold captured (to the buyer) and the price credited;
 * - buyer:  the price debited (refused when short: the offer stays open) and the lot credited.
 * Two buyers at once both decide against the seller's lane-0 head; one transaction wins and the
 * other, deciding again, finds the hold captured: `offer_not_open`. Exactly one wins.
 *
 * The offer id names the seller's wallet (so an accept finds the seller without an index):
 * base64url(seller) "." random id.
 */
import { DomainError } from '#domain/errors.ts';
import {
  type Asset,
  decideTrading,
  foldWallet,
  type Hold,
  initialWalletState,
  type OfferTerms,
  type RecordedEvent,
  type TradingCommand,
  type WalletCommand,
  type WalletEvent,
  type WalletState,
} from '#domain/wallet.ts';
import type { EventStore, StoredResponse } from '#ports/event-store.ts';
import { handleCommand } from './command-handler.ts';
import type { HoldDeps } from './holds.ts';
import { type IdempotencyInput, priorUse } from './idempotency.ts';
import { offerIdFor, sellerOf } from './offer-id.ts';
import type { Outcome } from './outcomes.ts';
import { readWallet } from './read-events.ts';
import { indexChangesOf } from './trading-index.ts';
import { handleTwoWalletCommand } from './two-wallet-command.ts';

export { offerIdFor, sellerOf } from './offer-id.ts';

export type OfferResult =
  | Exclude<Outcome<{ response: StoredResponse }>, { kind: 'contended' }>
  | { kind: 'contended' };

export interface Offer {
  offerId: string;
  seller: string;
  asset: Asset;
  amount: bigint;
  price: OfferTerms['price'];
  status: 'open' | 'filled' | 'cancelled' | 'expired';
  expiresAtMs: number;
  buyer?: string;
}

export function offerOf(
  offerId: string,
  seller: string,
  hold: Hold | undefined,
  nowMs: number,
): Offer | undefined {
  if (hold?.offer === undefined) return undefined;
  const status =
    hold.status === 'captured'
      ? 'filled'
      : hold.status === 'released'
        ? 'cancelled'
        : hold.status === 'expired' || nowMs >= hold.expiresAtMs
          ? 'expired'
          : 'open';
  return {
    offerId,
    seller,
    asset: hold.asset,
    amount: hold.amount,
    price: hold.offer.price,
    status,
    expiresAtMs: hold.expiresAtMs,
    ...(hold.counterparty === undefined ? {} : { buyer: hold.counterparty }),
  };
}

interface Request {
  idempotency: IdempotencyInput;
  respond: (offer: Offer) => StoredResponse;
}

const replayed = (store: EventStore, idempotency: Request['idempotency']) => priorUse(store, idempotency);

const stampWith =
  (id: string, occurredAtMs: number) => (events: readonly WalletEvent[], command: WalletCommand) =>
    events.map((event, index) => ({
      ...event,
      eventId: `${id}-${command.type}${index === 0 ? '' : `-${index}`}`,
      recordedAtMs: occurredAtMs,
    }));

export async function openOffer(
  deps: HoldDeps,
  input: Request & {
    seller: string;
    asset: Asset;
    amount: bigint;
    price: OfferTerms['price'];
    expiresInMs: number;
  },
): Promise<OfferResult> {
  if (input.asset === input.price.asset) {
    return {
      kind: 'rejected',
      error: new DomainError('invalid_transfer', 'An offer trades one asset for the other.'),
    };
  }
  const used = await replayed(deps.store, input.idempotency);
  if (used) return used;
  const occurredAtMs = deps.clock.nowMs();
  const offerId = offerIdFor(input.seller, deps.ids.newId());
  const command: TradingCommand = {
    type: 'PlaceHold',
    walletId: input.seller,
    asset: input.asset,
    amount: input.amount,
    holdId: offerId,
    expiresAtMs: occurredAtMs + input.expiresInMs,
    occurredAtMs,
    offer: { price: input.price },
  };
  const offer: Offer = {
    offerId,
    seller: input.seller,
    asset: input.asset,
    amount: input.amount,
    price: input.price,
    status: 'open',
    expiresAtMs: command.expiresAtMs,
  };
  const outcome = await handleCommand(deps, {
    walletId: input.seller,
    placement: 'lane-0',
    fold: foldWallet,
    decide: decideTrading,
    indexes: indexChangesOf,
    command: () => command,
    stamp: stampWith(deps.ids.newId(), occurredAtMs),
    idempotency: input.idempotency,
    respond: () => input.respond(offer),
  });
  return settle(outcome);
}

export async function acceptOffer(
  deps: HoldDeps,
  input: Request & { offerId: string; buyer: string },
): Promise<OfferResult> {
  const { offerId, buyer } = input;
  const seller = sellerOf(offerId);
  if (seller === undefined) return { kind: 'rejected', error: notFound(offerId) };
  if (seller === buyer) {
    return {
      kind: 'rejected',
      error: new DomainError('invalid_transfer', 'A seller cannot buy their own offer.'),
    };
  }
  const used = await replayed(deps.store, input.idempotency);
  if (used) return used;
  const occurredAtMs = deps.clock.nowMs();
  const transferId = `offer:${offerId}`;
  let offer: Offer | undefined;
  const outcome = await handleTwoWalletCommand<TradingCommand>(deps, {
    decide: decideTrading,
    indexes: indexChangesOf,
    // The seller first: a closed offer refuses the accept before the buyer's side is decided.
    wallets: [
      {
        walletId: seller,
        command: (state) => {
          offer = offerOf(offerId, seller, state.holds.get(offerId), occurredAtMs);
          if (offer === undefined) return notFound(offerId);
          if (offer.status !== 'open') {
            return new DomainError('offer_not_open', `Offer ${offerId} is ${offer.status}.`);
          }
          const { price } = offer;
          return [
            { type: 'CaptureHold', walletId: seller, holdId: offerId, occurredAtMs, counterparty: buyer },
            {
              type: 'TransferIn',
              walletId: seller,
              asset: price.asset,
              amount: price.amount,
              transferId,
              from: buyer,
              occurredAtMs,
            },
          ];
        },
      },
      {
        walletId: buyer,
        command: () => {
          if (offer === undefined) throw new Error('unreachable: the seller side is decided first');
          const { price, asset, amount } = offer;
          return [
            {
              type: 'TransferOut',
              walletId: buyer,
              asset: price.asset,
              amount: price.amount,
              transferId,
              to: seller,
              occurredAtMs,
            },
            { type: 'TransferIn', walletId: buyer, asset, amount, transferId, from: seller, occurredAtMs },
          ];
        },
      },
    ],
    stamp: stampWith(deps.ids.newId(), occurredAtMs),
    idempotency: input.idempotency,
    respond: () => {
      if (offer === undefined) throw new Error('unreachable: an accepted offer was read');
      return input.respond({ ...offer, status: 'filled', buyer });
    },
  });
  if (outcome.kind === 'unchanged') throw new Error('acceptOffer: an accept always decides events');
  if (outcome.kind === 'recorded') {
    if (outcome.response === undefined) throw new Error('acceptOffer: a response is always built');
    return { kind: 'recorded', response: outcome.response };
  }
  return outcome.kind === 'contended' ? { kind: 'contended' } : outcome;
}

export async function cancelOffer(
  deps: HoldDeps,
  input: Request & { offerId: string },
): Promise<OfferResult> {
  const { offerId } = input;
  const seller = sellerOf(offerId);
  if (seller === undefined) return { kind: 'rejected', error: notFound(offerId) };
  const used = await replayed(deps.store, input.idempotency);
  if (used) return used;
  const occurredAtMs = deps.clock.nowMs();
  let offer: Offer | undefined;
  const outcome = await handleCommand(deps, {
    walletId: seller,
    placement: 'lane-0',
    fold: foldWallet,
    decide: decideTrading,
    indexes: indexChangesOf,
    command: (state: WalletState) => {
      offer = offerOf(offerId, seller, state.holds.get(offerId), occurredAtMs);
      if (offer === undefined) return notFound(offerId);
      if (offer.status !== 'open')
        return new DomainError('offer_not_open', `Offer ${offerId} is ${offer.status}.`);
      return { type: 'ReleaseHold', walletId: seller, holdId: offerId, occurredAtMs };
    },
    stamp: stampWith(deps.ids.newId(), occurredAtMs),
    idempotency: input.idempotency,
    respond: () => {
      if (offer === undefined) throw new Error('unreachable: a cancelled offer was read');
      return input.respond({ ...offer, status: 'cancelled' });
    },
  });
  return settle(outcome);
}

/** One offer as the seller's log tells it, with the events that are its history. */
export async function readOffer(
  store: EventStore,
  offerId: string,
  nowMs: number,
): Promise<{ offer: Offer; history: RecordedEvent[] } | undefined> {
  const seller = sellerOf(offerId);
  if (seller === undefined) return undefined;
  const events = await readWallet(store, seller);
  const offer = offerOf(offerId, seller, foldWallet(events, initialWalletState()).holds.get(offerId), nowMs);
  if (offer === undefined) return undefined;
  const history = events.filter(
    (event) =>
      ('holdId' in event.data && event.data.holdId === offerId) ||
      ('transferId' in event.data && event.data.transferId === `offer:${offerId}`),
  );
  return { offer, history };
}

const notFound = (offerId: string) => new DomainError('offer_not_found', `No offer ${offerId}.`);

function settle(outcome: Awaited<ReturnType<typeof handleCommand>>): OfferResult {
  switch (outcome.kind) {
    case 'recorded':
      if (outcome.response === undefined) throw new Error('offers: a response is always built');
      return { kind: 'recorded', response: outcome.response };
    case 'unchanged':
      throw new Error('offers: a new offer or a cancel always decides an event');
    case 'contended':
      return { kind: 'contended' };
    default:
      return outcome;
  }
}
