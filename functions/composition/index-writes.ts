/**
 * The index items a writer's appends carry (AppendKinds.indexItems): named by the compositions
 * whose writes change them. Not in adapters.ts, which every function's composition imports: a
 * module any static import reaches is in the cold start with whatever a lazy chunk uses of it, so
 * ingest (whose card accounts' lazy ingest writes the trading index) carried the writers and the
 * offer, expiry and payment item schemas at its cold start.
 */
import type { AppendKinds } from '#adapters/dynamodb/append-kinds.ts';
import { writePaymentListing, writeTradingIndex } from '#adapters/dynamodb/index-item-writers.ts';

/**
 * The index items of trading writes (holds, offers, transfers, orders, cards, the sweep: their
 * writes name app/trading-index.ts indexChangesOf): expiries, the offer book, payment listings.
 */
export const TRADING_INDEX_WRITES: AppendKinds = { indexItems: writeTradingIndex };
/** A payment's own writes (purchases, refunds, the webhook: app/payment-index.ts paymentListingChangesOf). */
export const PAYMENT_LISTING_WRITES: AppendKinds = { indexItems: writePaymentListing };
