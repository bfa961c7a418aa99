import { describe, expect, it } from 'vitest';
import { defaultRetryPolicy } from '#app/command-handler.ts';
import { acceptOffer, cancelOffer, openOffer } from '#app/offers.ts';
import { listOffers } from '#app/queries/offer-book.ts';
import { transfer } from '#app/transfer.ts';
import type { OfferListing } from '#ports/trading-index.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';

/**
 * The offer book over the in-memory store (same semantics as the DynamoDB adapter): what the
 * write paths put in the index, in their own appends, is what `GET /offers` lists.
 */

let ids = 0;
let now = 1_000_000;
const deps = (store: InMemoryEventStore) => ({
  store,
  book: store.tradingIndex,
  clock: { nowMs: () => now },
  ids: { newId: () => `id${++ids}` },
  retry: { ...defaultRetryPolicy, sleep: async () => {} },
});
const respond = (offer: { offerId: string }) => ({ statusCode: 200, body: offer.offerId });
const key = () => ({ key: `k${++ids}`, payloadHash: `h${ids}` });

async function credit(
  store: InMemoryEventStore,
  walletId: string,
  asset: 'money' | 'points',
  amount: bigint,
) {
  await store.append({
    walletId,
    lane: 1,
    expected: await store.head(walletId, 1),
    events: [
      {
        type: 'TransferredIn',
        data: { transferId: `mint-${++ids}`, asset, amount, from: 'mint', occurredAtMs: 0 },
        eventId: `c${ids}`,
        recordedAtMs: 0,
      },
    ],
  });
}

async function offer(
  store: InMemoryEventStore,
  seller: string,
  points: bigint,
  priceMinor: bigint,
  ttlMs = 60_000,
) {
  const outcome = await openOffer(deps(store), {
    seller,
    asset: 'points',
    amount: points,
    price: { asset: 'money', amount: priceMinor },
    expiresInMs: ttlMs,
    idempotency: key(),
    respond,
  });
  if (outcome.kind !== 'recorded') throw new Error(`offer not opened: ${outcome.kind}`);
  return outcome.response.body;
}

const offerIds = (offers: readonly OfferListing[]) => offers.map((listed) => listed.offerId);

describe('the offer book', () => {
  it('lists open offers best price per point first, and a closed offer moves to its status in the same append', async () => {
    const store = new InMemoryEventStore();
    await credit(store, 's1', 'points', 1_000n);
    await credit(store, 's2', 'points', 1_000n);
    await credit(store, 'buyer', 'money', 10_000n);
    const dear = await offer(store, 's1', 100n, 300n); // 3.00 per point
    const cheap = await offer(store, 's2', 400n, 400n); // 1.00 per point
    const middle = await offer(store, 's1', 200n, 400n); // 2.00 per point
    const cancelled = await offer(store, 's2', 100n, 50n); // 0.50 per point, then cancelled

    let page = await listOffers(deps(store), { asset: 'points', status: 'open', limit: 10 });
    expect(offerIds(page.offers)).toEqual([cancelled, cheap, middle, dear]);

    const accepted = await acceptOffer(deps(store), {
      offerId: cheap,
      buyer: 'buyer',
      idempotency: key(),
      respond,
    });
    expect(accepted.kind).toBe('recorded');
    expect((await cancelOffer(deps(store), { offerId: cancelled, idempotency: key(), respond })).kind).toBe(
      'recorded',
    );

    page = await listOffers(deps(store), { asset: 'points', status: 'open', limit: 10 });
    expect(offerIds(page.offers)).toEqual([middle, dear]);
    const filled = await listOffers(deps(store), { asset: 'points', status: 'filled', limit: 10 });
    expect(filled.offers).toEqual([
      expect.objectContaining({
        offerId: cheap,
        status: 'filled',
        buyer: 'buyer',
        amount: 400n,
        seller: 's2',
      }),
    ]);
    const gone = await listOffers(deps(store), { asset: 'points', status: 'cancelled', limit: 10 });
    expect(offerIds(gone.offers)).toEqual([cancelled]);
    expect((await listOffers(deps(store), { asset: 'money', status: 'open', limit: 10 })).offers).toEqual([]);
  });

  it('pages with a cursor: every open offer once, in order', async () => {
    const store = new InMemoryEventStore();
    await credit(store, 'seller', 'points', 10_000n);
    const opened: string[] = [];
    for (const price of [500n, 100n, 400n, 200n, 300n])
      opened.push(await offer(store, 'seller', 100n, price));
    const seen: string[] = [];
    let after: string | undefined;
    for (let pageNo = 0; pageNo < 10; pageNo++) {
      const page = await listOffers(deps(store), {
        asset: 'points',
        status: 'open',
        limit: 2,
        ...(after ? { after } : {}),
      });
      seen.push(...offerIds(page.offers));
      if (page.next === undefined) break;
      after = page.next;
    }
    expect(seen).toEqual([opened[1], opened[3], opened[4], opened[2], opened[0]]);
  });

  it('leaves out an open offer past its expiry before any sweep, and a spend that lapses it moves it to expired', async () => {
    const store = new InMemoryEventStore();
    await credit(store, 'seller', 'points', 1_000n);
    const short = await offer(store, 'seller', 300n, 300n, 1_000);
    const long = await offer(store, 'seller', 300n, 600n, 600_000);
    now += 5_000;
    const open = await listOffers(deps(store), { asset: 'points', status: 'open', limit: 10 });
    expect(offerIds(open.offers)).toEqual([long]);
    // The seller's transfer meets the expired hold and ends it (trading.ts): the book follows.
    const moved = await transfer(deps(store), {
      from: 'seller',
      to: 'other',
      asset: 'points',
      amount: 700n,
      idempotency: key(),
      respond: () => ({ statusCode: 201, body: '' }),
    });
    expect(moved.kind).toBe('recorded');
    const expired = await listOffers(deps(store), { asset: 'points', status: 'expired', limit: 10 });
    expect(offerIds(expired.offers)).toEqual([short]);
  });
});
