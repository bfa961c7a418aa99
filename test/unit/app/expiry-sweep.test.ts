import { describe, expect, it } from 'vitest';
import { defaultRetryPolicy } from '#app/command-handler.ts';
import { sweepExpiries } from '#app/expiry-sweep.ts';
import { holdAction } from '#app/holds.ts';
import { openOffer, readOffer } from '#app/offers.ts';
import { foldWallet, initialWalletState } from '#domain/wallet.ts';
import { type AppendOutcome, type AppendRequest, isVersionConflict } from '#ports/event-store.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';

let ids = 0;
const T0 = 5_000_000;
const TTL = 60_000;
const deps = (store: InMemoryEventStore, nowMs: number) => ({
  store,
  book: store.tradingIndex,
  expiries: store.tradingIndex,
  clock: { nowMs: () => nowMs },
  ids: { newId: () => `id${++ids}` },
  retry: { ...defaultRetryPolicy, sleep: async () => {} },
});
const key = () => ({ key: `k${++ids}`, payloadHash: `h${ids}` });

async function credit(store: InMemoryEventStore, walletId: string, points: bigint) {
  await store.append({
    walletId,
    lane: 1,
    expected: await store.head(walletId, 1),
    events: [
      {
        type: 'TransferredIn',
        data: { transferId: `mint-${++ids}`, asset: 'points', amount: points, from: 'mint', occurredAtMs: 0 },
        eventId: `c${ids}`,
        recordedAtMs: 0,
      },
    ],
  });
}

async function placeHold(store: InMemoryEventStore, walletId: string, amount: bigint): Promise<string> {
  const outcome = await holdAction(
    deps(store, T0),
    { walletId, idempotency: key(), respond: (_events, { holdId }) => ({ statusCode: 201, body: holdId }) },
    { kind: 'place', asset: 'points', amount, expiresInMs: TTL },
  );
  if (outcome.kind !== 'recorded') throw new Error(`hold not placed: ${outcome.kind}`);
  return outcome.response.body;
}

const state = (store: InMemoryEventStore, walletId: string) =>
  foldWallet(store.storedEvents(walletId), initialWalletState());
const endings = (store: InMemoryEventStore, walletId: string, holdId: string) =>
  store
    .storedEvents(walletId)
    .filter(
      (event) =>
        (event.type === 'HoldCaptured' || event.type === 'HoldReleased') && event.data.holdId === holdId,
    );

/**
 * Holds each append until two have come (both decided against the same lane-0 head), then lets
 * `first` (an event type) append first: the other loses the version and decides again.
 */
class RacingStore extends InMemoryEventStore {
  private waiting: { request: AppendRequest; go: () => void }[] = [];
  attempts = 0;
  conflicts = 0;
  constructor(private readonly first: 'HoldCaptured' | 'HoldReleased') {
    super();
  }
  override async append(request: AppendRequest): Promise<AppendOutcome> {
    this.attempts++;
    const racing = request.events.some(
      (event) => event.type === 'HoldCaptured' || event.type === 'HoldReleased',
    );
    if (racing && this.waiting.length < 2) {
      await new Promise<void>((go) => {
        this.waiting.push({ request, go });
        if (this.waiting.length < 2) return;
        const ordered = [...this.waiting].sort((a) => (a.request.events[0]?.type === this.first ? -1 : 1));
        ordered[0]?.go();
        setTimeout(() => ordered[1]?.go(), 5);
      });
    }
    try {
      return await super.append(request);
    } catch (error) {
      if (isVersionConflict(error)) this.conflicts++;
      throw error;
    }
  }
}

describe('the expiry sweep', () => {
  it('expires a due offer through the decider: the book moves it, its points are available again, the entry goes', async () => {
    const store = new InMemoryEventStore();
    await credit(store, 'seller', 500n);
    const opened = await openOffer(deps(store, T0), {
      seller: 'seller',
      asset: 'points',
      amount: 500n,
      price: { asset: 'money', amount: 100n },
      expiresInMs: TTL,
      idempotency: key(),
      respond: (offer) => ({ statusCode: 201, body: offer.offerId }),
    });
    if (opened.kind !== 'recorded') throw new Error(opened.kind);
    const offerId = opened.response.body;
    const notYet = await sweepExpiries(deps(store, T0 + TTL - 1));
    expect(notYet).toEqual({ expired: 0, ended: 0, left: 0 });
    expect(state(store, 'seller').balances.points).toMatchObject({ balance: 500n, held: 500n });

    const swept = await sweepExpiries(deps(store, T0 + TTL));
    expect(swept).toEqual({ expired: 1, ended: 0, left: 0 });
    expect(state(store, 'seller').balances.points).toMatchObject({ balance: 500n, held: 0n });
    expect(endings(store, 'seller', offerId)).toEqual([
      expect.objectContaining({ type: 'HoldReleased', data: expect.objectContaining({ reason: 'expired' }) }),
    ]);
    expect((await readOffer(store, offerId, T0 + TTL))?.offer.status).toBe('expired');
    const book = deps(store, T0 + TTL).book;
    expect(
      (await book.list({ asset: 'points', status: 'expired', limit: 5, nowMs: T0 })).offers,
    ).toHaveLength(1);
    expect((await book.list({ asset: 'points', status: 'open', limit: 5, nowMs: T0 })).offers).toEqual([]);
    expect(store.tradingIndex.expiryCount).toBe(0);
    // Sweeping again finds nothing: the hold ended once.
    expect(await sweepExpiries(deps(store, T0 + 2 * TTL))).toEqual({ expired: 0, ended: 0, left: 0 });
    expect(endings(store, 'seller', offerId)).toHaveLength(1);
  });

  it('drops the entry of a hold that ended otherwise, without a second ending', async () => {
    const store = new InMemoryEventStore();
    await credit(store, 'w', 100n);
    const holdId = await placeHold(store, 'w', 40n);
    const released = await holdAction(
      deps(store, T0 + 1),
      { walletId: 'w', idempotency: key(), respond: () => ({ statusCode: 200, body: '' }) },
      { kind: 'release', holdId },
    );
    expect(released.kind).toBe('recorded');
    expect(await sweepExpiries(deps(store, T0 + TTL))).toEqual({ expired: 0, ended: 1, left: 0 });
    expect(endings(store, 'w', holdId)).toHaveLength(1);
    expect(store.tradingIndex.expiryCount).toBe(0);
  });

  it.each([
    ['the capture', 'HoldCaptured'],
    ['the sweep', 'HoldReleased'],
  ] as const)(
    'races a capture decided just before expiry: when %s appends first, the hold ends once and its amount moves once',
    async (_name, first) => {
      const store = new RacingStore(first);
      await credit(store, 'w', 100n);
      const holdId = await placeHold(store, 'w', 40n);
      const attemptsBefore = store.attempts;
      const [captured, swept] = await Promise.all([
        holdAction(
          deps(store, T0 + TTL - 1),
          { walletId: 'w', idempotency: key(), respond: () => ({ statusCode: 200, body: '' }) },
          { kind: 'capture', holdId },
        ),
        sweepExpiries(deps(store, T0 + TTL)),
      ]);
      // Both were decided against the same head; the loser's append lost the version, and deciding
      // again against the winner's state it found the hold ended: nothing more was appended.
      expect(store.attempts - attemptsBefore).toBe(2);
      expect(store.conflicts).toBe(1);
      const ended = endings(store, 'w', holdId);
      expect(ended).toHaveLength(1);
      expect(ended[0]?.type).toBe(first);
      const points = state(store, 'w').balances.points;
      if (first === 'HoldCaptured') {
        expect(captured.kind).toBe('recorded');
        expect(swept).toEqual({ expired: 0, ended: 1, left: 0 });
        expect(points).toMatchObject({ balance: 60n, held: 0n });
      } else {
        expect(captured).toMatchObject({ kind: 'rejected', error: { code: 'hold_not_active' } });
        expect(swept).toEqual({ expired: 1, ended: 0, left: 0 });
        expect(points).toMatchObject({ balance: 100n, held: 0n });
      }
      expect(store.tradingIndex.expiryCount).toBe(0);
    },
  );
});
