import * as z from 'zod/mini';
import type { Offer } from '#app/offers.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import type { StoredResponse } from '#ports/event-store.ts';
import { amountField, amountJson, assetField, expiresInSecondsField } from './trading-json.ts';

/** `POST /offers`'s body. */
export const openBody = z.strictObject({
  seller: z.string(),
  asset: assetField,
  amount: amountField,
  price: z.strictObject({ asset: assetField, amount: amountField }),
  expiresInSeconds: expiresInSecondsField,
});

/** `POST /offers/{offer_id}/accept`'s body. */
export const acceptBody = z.strictObject({ buyer: z.string() });

export function offerJson(offer: Offer): string {
  return (
    `{"offerId":${JSON.stringify(offer.offerId)},"seller":${JSON.stringify(offer.seller)},"asset":"${offer.asset}",` +
    `"amount":${amountJson(offer.asset, offer.amount)},"price":{"asset":"${offer.price.asset}","amount":${amountJson(offer.price.asset, offer.price.amount)}},` +
    `"status":"${offer.status}","expiresAt":"${new Date(offer.expiresAtMs).toISOString()}"` +
    `${offer.buyer === undefined ? '' : `,"buyer":${JSON.stringify(offer.buyer)}`}}`
  );
}

/** A write's stored answer: the offer as it stands after the write. */
export const offerResponse =
  (statusCode: number) =>
  (offer: Offer): StoredResponse => ({ statusCode, body: offerJson(offer) });

/** `GET /offers/{offer_id}`: the offer and the events that made it what it is. */
export function offerWithHistoryJson(offer: Offer, history: readonly RecordedEvent[]): string {
  const lines = history.map((recorded) => ({
    eventId: recorded.eventId,
    type: recorded.type,
    walletId: recorded.walletId,
    recordedAt: new Date(recorded.recordedAtMs).toISOString(),
  }));
  return `${offerJson(offer).slice(0, -1)},"history":${JSON.stringify(lines)}}`;
}
