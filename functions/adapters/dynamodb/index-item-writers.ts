/**
 * The offer, expiry and payment item writers a store is given (AppendKinds.indexItems, see
 * index-items.ts): named by the compositions whose writes change them.
 */
import type { IndexItemWriter } from './index-items.ts';
import { toExpiryItem } from './table-layout/expiry-item.ts';
import { offerKey, toOfferItem } from './table-layout/offer-item.ts';
import { toPaymentItem } from './table-layout/payment-item.ts';

/** A payment's own writes (purchases, refunds, settlements): its listing's item, put over the last one. */
export const writePaymentListing: IndexItemWriter = (tableName, change) =>
  change.kind === 'payment'
    ? [{ Put: { TableName: tableName, Item: toPaymentItem(change.listing) } }]
    : undefined;

/** Every trading write (holds, offers, transfers, orders, cards, the sweep): expiries, the book, listings. */
export const writeTradingIndex: IndexItemWriter = (tableName, change) => {
  if (change.kind === 'expiry') return [{ Put: { TableName: tableName, Item: toExpiryItem(change.entry) } }];
  if (change.kind !== 'offer') return writePaymentListing(tableName, change);
  const put = { Put: { TableName: tableName, Item: toOfferItem(change.offer) } };
  if (change.from === undefined) return [put];
  return [{ Delete: { TableName: tableName, Key: offerKey({ ...change.offer, status: change.from }) } }, put];
};
