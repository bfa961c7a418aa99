import type { Clock } from '#ports/clock.ts';
import type { OfferBook, OfferBookPage, OfferBookQuery } from '#ports/trading-index.ts';

export interface OfferBookDeps {
  book: OfferBook;
  clock: Clock;
}

/**
 * `GET /offers`: one page of the book, read from its index (ports/trading-index.ts), never from
 * the sellers' logs. An open offer past its expiry is not listed even before the sweep ends it:
 * the listing is taken at the clock's now.
 */
export const listOffers = (
  deps: OfferBookDeps,
  query: Omit<OfferBookQuery, 'nowMs'>,
): Promise<OfferBookPage> => deps.book.list({ ...query, nowMs: deps.clock.nowMs() });
