import * as z from 'zod/mini';
import { OFFER_STATUSES, type OfferListing } from '#ports/trading-index.ts';
import { bigintAttr, numberAttr } from './attributes.ts';
import { offerBookPk, offerBookSk } from './keys.ts';

/**
 * An offer in the book: one item per offer, in the partition of its asset and status, sorted by
 * price per unit so a Query reads the best offers first. Written in the transaction of the events
 * that open or close the offer (an open offer's item is deleted as its closed item is put).
 */

/** Price per unit, scaled by 10^18 and floored, as 40 digits: text order is price order. */
export const UNIT_PRICE_SCALE = 10n ** 18n;
export const unitPriceKey = (offer: Pick<OfferListing, 'amount' | 'price'>): string =>
  ((offer.price.amount * UNIT_PRICE_SCALE) / offer.amount).toString().padStart(40, '0');

export const offerKey = (offer: OfferListing): { pk: string; sk: string } => ({
  pk: offerBookPk(offer.asset, offer.status),
  sk: offerBookSk(unitPriceKey(offer), offer.offerId),
});

// Built on the first read, not at import: a module-level zod/mini schema is kept in every bundle
// that imports its module, and every writer imports this one for its item writer alone.
let offerItemSchema: ReturnType<typeof buildOfferItemSchema> | undefined;
function buildOfferItemSchema() {
  const asset = z.enum(['money', 'points']);
  return z.object({
    pk: z.string(),
    sk: z.string(),
    offerId: z.string(),
    seller: z.string(),
    asset,
    amount: bigintAttr,
    priceAsset: asset,
    priceAmount: bigintAttr,
    expiresAtMs: numberAttr,
    status: z.enum(OFFER_STATUSES as [OfferListing['status'], ...OfferListing['status'][]]),
    buyer: z.optional(z.string()),
  });
}

export function toOfferItem(offer: OfferListing): Record<string, unknown> {
  return {
    ...offerKey(offer),
    kind: 'offer',
    offerId: offer.offerId,
    seller: offer.seller,
    asset: offer.asset,
    amount: offer.amount,
    priceAsset: offer.price.asset,
    priceAmount: offer.price.amount,
    expiresAtMs: offer.expiresAtMs,
    status: offer.status,
    ...(offer.buyer === undefined ? {} : { buyer: offer.buyer }),
  };
}

export function fromOfferItem(item: unknown): OfferListing & { sk: string } {
  offerItemSchema ??= buildOfferItemSchema();
  const parsed = offerItemSchema.parse(item);
  return {
    sk: parsed.sk,
    offerId: parsed.offerId,
    seller: parsed.seller,
    asset: parsed.asset,
    amount: parsed.amount,
    price: { asset: parsed.priceAsset, amount: parsed.priceAmount },
    expiresAtMs: parsed.expiresAtMs,
    status: parsed.status,
    ...(parsed.buyer === undefined ? {} : { buyer: parsed.buyer }),
  };
}
