import { describe, expect, it } from 'vitest';
import { defaultRetryPolicy } from '#app/command-handler.ts';
import { acceptOffer, offerIdFor, openOffer, readOffer, sellerOf } from '#app/offers.ts';
import { foldWallet, initialWalletState } from '#domain/wallet.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';

let ids = 0;
let now = 1_000;
const deps = (store: InMemoryEventStore) => ({
  store,
  clock: { nowMs: () => now },
  ids: { newId: () => `id${++ids}` },
  retry: { ...defaultRetryPolicy, sleep: async () => {} },
});
const respond = (offer: { status: string; offerId: string }) => ({ statusCode: 200, body: offer.offerId });
const idOf = (outcome: { kind: string; response?: { body: string } }) => outcome.response?.body ?? 'none';
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

const balances = (store: InMemoryEventStore, walletId: string) =>
  foldWallet(store.storedEvents(walletId), initialWalletState()).balances;

describe('offers', () => {
  it('names the seller in the offer id, and nothing else decodes to one', () => {
    expect(sellerOf(offerIdFor('w-1', 'abc'))).toBe('w-1');
    expect(sellerOf('nope')).toBeUndefined();
    expect(sellerOf('.abc')).toBeUndefined();
  });

  it('holds the lot; of many concurrent buyers exactly one fills it; an expired offer is not open', async () => {
    const store = new InMemoryEventStore();
    await credit(store, 'seller', 'points', 500n);
    for (const buyer of ['b1', 'b2', 'b3', 'b4']) await credit(store, buyer, 'money', 1_000n);
    const opened = await openOffer(deps(store), {
      seller: 'seller',
      asset: 'points',
      amount: 500n,
      price: { asset: 'money', amount: 500n },
      expiresInMs: 60_000,
      idempotency: key(),
      respond,
    });
    expect(opened.kind).toBe('recorded');
    expect(balances(store, 'seller').points).toEqual({ balance: 500n, held: 500n, floor: 0n });
    const offerId = idOf(opened);
    const outcomes = await Promise.all(
      ['b1', 'b2', 'b3', 'b4'].map((buyer) =>
        acceptOffer(deps(store), { offerId, buyer, idempotency: key(), respond }),
      ),
    );
    expect(outcomes.filter((o) => o.kind === 'recorded')).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === 'rejected' && o.error.code === 'offer_not_open')).toHaveLength(
      3,
    );
    expect(balances(store, 'seller')).toMatchObject({
      money: { balance: 500n },
      points: { balance: 0n, held: 0n },
    });
    const points = ['b1', 'b2', 'b3', 'b4'].map((buyer) => balances(store, buyer).points.balance);
    expect(points.sort()).toEqual([0n, 0n, 0n, 500n]);
    expect((await readOffer(store, offerId, now))?.offer).toMatchObject({ status: 'filled' });

    await credit(store, 'seller', 'points', 10n);
    const second = await openOffer(deps(store), {
      seller: 'seller',
      asset: 'points',
      amount: 10n,
      price: { asset: 'money', amount: 1n },
      expiresInMs: 5,
      idempotency: key(),
      respond,
    });
    const late = idOf(second);
    now += 5;
    expect((await readOffer(store, late, now))?.offer.status).toBe('expired');
    expect(
      await acceptOffer(deps(store), { offerId: late, buyer: 'b1', idempotency: key(), respond }),
    ).toMatchObject({
      kind: 'rejected',
      error: { code: 'offer_not_open' },
    });
  });
});
