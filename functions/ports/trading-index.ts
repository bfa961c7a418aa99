/**
 * Indexes of the trading side, kept in the event store's own transactions: the offer book (one
 * entry per offer, under its status) and the expiry index (one entry per hold with an expiry,
 * bucketed by time). They are written with the events that change them, all or nothing, so the
 * book never lists an offer its seller's log has closed. The log stays the truth: an entry only
 * says where to look.
 */
import type { Asset } from '#domain/wallet.ts';
import type { PaymentListing } from './payment-index.ts';
import type { ReadIndexChange } from './read-indexes.ts';

export type OfferStatus = 'open' | 'filled' | 'cancelled' | 'expired';
export const OFFER_STATUSES: readonly OfferStatus[] = ['open', 'filled', 'cancelled', 'expired'];

/** One offer as the book lists it. */
export interface OfferListing {
  offerId: string;
  seller: string;
  asset: Asset;
  amount: bigint;
  price: { asset: Asset; amount: bigint };
  expiresAtMs: number;
  status: OfferStatus;
  buyer?: string;
}

/**
 * Holds with an expiry: the sweep ends them once the time has come (see app/expiry-sweep.ts). One
 * entry may stand for several holds of one wallet placed in one group-commit batch
 * (app/group-commit-expiry.ts): `holdIds` lists them all, each expiring at or before `expiresAtMs`
 * (the latest of theirs); `holdId` names the entry's item. Without `holdIds`: `holdId` alone.
 */
export interface ExpiryEntry {
  walletId: string;
  holdId: string;
  expiresAtMs: number;
  holdIds?: readonly string[];
}

/** The holds an entry stands for. */
export const holdsOfEntry = (entry: ExpiryEntry): readonly string[] => entry.holdIds ?? [entry.holdId];

/**
 * What an append changes in the indexes, beside its events:
 * - `offer`: list the offer under `offer.status`, and take it off the list of `from` (a closed offer
 *   leaves the open book in the transaction that closes it);
 * - `expiry`: a new hold with an expiry. Entries are not removed when a hold ends otherwise: the
 *   sweep finds the hold ended and drops the entry (fewer items per transaction);
 * - `payment`: a payment as it stands after these events (put over its earlier entry).
 */
export type IndexChange =
  | { kind: 'offer'; offer: OfferListing; from?: OfferStatus }
  | { kind: 'expiry'; entry: ExpiryEntry }
  | { kind: 'payment'; listing: PaymentListing }
  // Award ranges and correction links ride in the same transactions (read-indexes.ts).
  | ReadIndexChange;

/** One page of the book: `after` is the position a previous page ended at (opaque to callers). */
export interface OfferBookQuery {
  asset: Asset;
  status: OfferStatus;
  limit: number;
  after?: string;
  /** Open offers whose expiry is at or before this time are left out: they are expired already. */
  nowMs: number;
}

export interface OfferBookPage {
  offers: OfferListing[];
  /** Where the next page starts, or undefined after the last one. */
  next?: string;
}

/** The offer book: offers of one asset and status, best price per unit first. */
export interface OfferBook {
  list(query: OfferBookQuery): Promise<OfferBookPage>;
}

/** Entries due now; `more` when the call stopped early (at `limit`, or before reaching now). */
export interface ExpiryPage {
  entries: ExpiryEntry[];
  more: boolean;
}

/** The expiry index, as the sweep reads it. */
export interface ExpiryIndex {
  /**
   * Up to `limit` entries whose expiry is at or before `nowMs`, oldest first, from the time buckets
   * not yet swept clean. Bounded work per call (a fixed number of buckets).
   */
  due(nowMs: number, limit: number): Promise<ExpiryPage>;
  /** Drops an entry whose hold has ended (by this sweep or otherwise). */
  remove(entry: ExpiryEntry): Promise<void>;
}
