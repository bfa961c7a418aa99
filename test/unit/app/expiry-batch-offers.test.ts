import { describe, expect, it } from 'vitest';
import { defaultRetryPolicy } from '#app/command-handler.ts';
import { sweepExpiries } from '#app/expiry-sweep.ts';
import { enableGroupCommit } from '#app/group-commit.ts';
import { openOffer } from '#app/offers.ts';
import { foldWallet, initialWalletState } from '#domain/wallet.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';

const T0 = 7_000_000;
const TTL = 60_000;
let ids = 0;
const deps = (store: InMemoryEventStore, nowMs: number) => ({
  store,
  book: store.tradingIndex,
  expiries: store.tradingIndex,
  clock: { nowMs: () => nowMs },
  ids: { newId: () => `id${++ids}` },
  retry: { ...defaultRetryPolicy, sleep: async () => {} },
});

describe('offers opened in one batch share an expiry entry', () => {
  it('the sweep expires each of them once and moves each in the book', async () => {
    const store = new InMemoryEventStore();
    enableGroupCommit(store);
    await store.append({
      walletId: 'seller',
      lane: 1,
      expected: await store.head('seller', 1),
      events: [
        {
          type: 'TransferredIn',
          data: { transferId: 'mint', asset: 'points', amount: 1_000n, from: 'mint', occurredAtMs: 0 },
          eventId: 'c1',
          recordedAtMs: 0,
        },
      ],
    });
    const opened = await Promise.all(
      Array.from({ length: 5 }, async (_, index) => {
        const outcome = await openOffer(deps(store, T0), {
          seller: 'seller',
          asset: 'points',
          amount: 100n,
          price: { asset: 'money', amount: BigInt(10 + index) },
          expiresInMs: TTL,
          idempotency: { key: `k${index}`, payloadHash: `h${index}` },
          respond: (offer) => ({ statusCode: 201, body: offer.offerId }),
        });
        if (outcome.kind !== 'recorded') throw new Error(outcome.kind);
        return outcome.response.body;
      }),
    );
    expect(store.tradingIndex.expiryCount).toBeLessThan(opened.length);
    const book = (status: 'open' | 'expired') =>
      store.tradingIndex.list({ asset: 'points', status, limit: 10, nowMs: T0 });
    expect((await book('open')).offers).toHaveLength(opened.length);
    expect(await sweepExpiries(deps(store, T0 + TTL))).toEqual({ expired: opened.length, ended: 0, left: 0 });
    expect((await book('open')).offers).toEqual([]);
    expect((await book('expired')).offers).toHaveLength(opened.length);
    const points = foldWallet(store.storedEvents('seller'), initialWalletState()).balances.points;
    expect(points).toMatchObject({ balance: 1_000n, held: 0n });
    expect(store.tradingIndex.expiryCount).toBe(0);
    expect(await sweepExpiries(deps(store, T0 + 2 * TTL))).toEqual({ expired: 0, ended: 0, left: 0 });
  });
});
