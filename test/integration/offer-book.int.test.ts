import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { defaultRetryPolicy } from '#app/command-handler.ts';
import { sweepExpiries } from '#app/expiry-sweep.ts';
import { holdAction } from '#app/holds.ts';
import { acceptOffer, cancelOffer, openOffer } from '#app/offers.ts';
import { listOffers } from '#app/queries/offer-book.ts';
import { readWallet } from '#app/read-events.ts';
import { createDocumentClient } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoEventStore } from '../../functions/adapters/dynamodb/event-store.ts';
import { expiryBucket, expiryPk, offerBookPk } from '../../functions/adapters/dynamodb/table-layout/keys.ts';
import { DynamoTradingIndex } from '../../functions/adapters/dynamodb/trading-index.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../functions/adapters/local/dynamodb-local.ts';
import { ensureTable } from '../../functions/local/table.ts';

/**
 * The offer book and expiry index on DynamoDB Local (one table for this file): the items the
 * write paths put in their transactions, and the pages `GET /offers` reads from them.
 */

let raw: DynamoDBClient;
let documents: DynamoDBDocumentClient;
let store: DynamoEventStore;
let index: DynamoTradingIndex;
const tableName = `tally-int-book-${randomUUID().slice(0, 8)}`;
const T0 = 1_800_000_000_000;
let now = T0;
let ids = 0;

beforeAll(async () => {
  const endpoint = inject('dynamodbEndpoint');
  raw = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  await ensureTable(raw, tableName);
  documents = createDocumentClient({ endpoint, region: LOCAL_REGION });
  store = new DynamoEventStore(documents, tableName);
  index = new DynamoTradingIndex(documents, tableName);
});

afterAll(async () => {
  documents?.destroy();
  await raw?.send(new DeleteTableCommand({ TableName: tableName }));
  raw?.destroy();
});

const deps = () => ({
  store,
  book: index,
  clock: { nowMs: () => now },
  ids: { newId: () => `id${++ids}` },
  retry: { ...defaultRetryPolicy, sleep: async () => {} },
});
const respond = (offer: { offerId: string }) => ({ statusCode: 200, body: offer.offerId });
const key = () => ({ key: `k${randomUUID()}`, payloadHash: 'h' });

async function credit(walletId: string, asset: 'money' | 'points', amount: bigint) {
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

async function offer(seller: string, points: bigint, priceMinor: bigint, ttlMs = 600_000) {
  const outcome = await openOffer(deps(), {
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

const partition = async (pk: string) =>
  (
    await documents.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ConsistentRead: true,
      }),
    )
  ).Items ?? [];

describe('offer book on DynamoDB Local', () => {
  it('lists open offers by price per point, pages them, and a fill or cancel moves the item in its own transaction', async () => {
    await credit('book-s1', 'points', 5_000n);
    await credit('book-s2', 'points', 5_000n);
    await credit('book-b', 'money', 100_000n);
    const a = await offer('book-s1', 100n, 300n);
    const b = await offer('book-s2', 1_000n, 1_000n);
    const c = await offer('book-s1', 300n, 600n);
    const d = await offer('book-s2', 7n, 1n);

    const seen: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 5; page++) {
      const listed = await listOffers(deps(), {
        asset: 'points',
        status: 'open',
        limit: 3,
        ...(after ? { after } : {}),
      });
      seen.push(...listed.offers.map((listedOffer) => listedOffer.offerId));
      if (listed.next === undefined) break;
      after = listed.next;
    }
    expect(seen).toEqual([d, b, c, a]);

    expect(
      (await acceptOffer(deps(), { offerId: b, buyer: 'book-b', idempotency: key(), respond })).kind,
    ).toBe('recorded');
    expect((await cancelOffer(deps(), { offerId: d, idempotency: key(), respond })).kind).toBe('recorded');
    const open = await partition(offerBookPk('points', 'open'));
    expect(open.map((item) => item.offerId)).toEqual([c, a]);
    const filled = await listOffers(deps(), { asset: 'points', status: 'filled', limit: 10 });
    expect(filled.offers).toEqual([
      {
        offerId: b,
        seller: 'book-s2',
        asset: 'points',
        amount: 1_000n,
        price: { asset: 'money', amount: 1_000n },
        expiresAtMs: T0 + 600_000,
        status: 'filled',
        buyer: 'book-b',
      },
    ]);
    const cancelled = await listOffers(deps(), { asset: 'points', status: 'cancelled', limit: 10 });
    expect(cancelled.offers.map((listedOffer) => listedOffer.offerId)).toEqual([d]);
  });

  it('keeps an expiry entry per hold in its minute, and skips a lapsed open offer when listing', async () => {
    await credit('book-s3', 'points', 1_000n);
    now = T0 + 10_000_000;
    const soon = await offer('book-s3', 10n, 10n, 30_000);
    const later = await offer('book-s3', 10n, 20n, 3_600_000);
    const entries = await partition(expiryPk(expiryBucket(now + 30_000)));
    expect(entries.map((item) => item.holdId)).toContain(soon);
    now += 60_000;
    const open = await listOffers(deps(), { asset: 'points', status: 'open', limit: 200 });
    const listed = open.offers.map((listedOffer) => listedOffer.offerId);
    expect(listed).toContain(later);
    expect(listed).not.toContain(soon);
    const due = await index.due(now, 100);
    expect(due).toEqual({
      entries: [{ walletId: 'book-s3', holdId: soon, expiresAtMs: T0 + 10_000_000 + 30_000 }],
      more: false,
    });
  });

  it('writes index items only with their events: an append that loses its version writes none', async () => {
    const head = await store.head('book-race', 0);
    const listing = {
      offerId: 'book-race.x',
      seller: 'book-race',
      asset: 'points' as const,
      amount: 5n,
      price: { asset: 'money' as const, amount: 5n },
      expiresAtMs: T0 + 999_000_000,
      status: 'open' as const,
    };
    const event = (eventId: string) => ({
      type: 'TransferredIn' as const,
      data: { transferId: eventId, asset: 'points' as const, amount: 1n, from: 'x', occurredAtMs: 0 },
      eventId,
      recordedAtMs: 0,
    });
    await store.append({ walletId: 'book-race', lane: 0, expected: head, events: [event('winner')] });
    await expect(
      store.append({
        walletId: 'book-race',
        lane: 0,
        expected: head,
        events: [event('loser')],
        index: [
          { kind: 'offer', offer: listing },
          {
            kind: 'expiry',
            entry: { walletId: 'book-race', holdId: 'book-race.x', expiresAtMs: listing.expiresAtMs },
          },
        ],
      }),
    ).rejects.toMatchObject({ name: 'VersionConflictError' });
    const open = await partition(offerBookPk('points', 'open'));
    expect(open.map((item) => item.offerId)).not.toContain('book-race.x');
    expect(await partition(expiryPk(expiryBucket(listing.expiresAtMs)))).toEqual([]);
  });

  it('sweeps a due hold on DynamoDB Local: the decider ends it, the entry goes, the mark moves on', async () => {
    now = T0 + 50_000_000;
    await credit('book-sweep', 'points', 100n);
    const held = await holdAction(
      deps(),
      {
        walletId: 'book-sweep',
        idempotency: key(),
        respond: (_events, { holdId }) => ({ statusCode: 201, body: holdId }),
      },
      { kind: 'place', asset: 'points', amount: 30n, expiresInMs: 90_000 },
    );
    if (held.kind !== 'recorded') throw new Error(held.kind);
    const holdId = held.response.body;
    const sweepAt = (atMs: number) =>
      sweepExpiries({ ...deps(), expiries: index, clock: { nowMs: () => atMs } });
    // Holds of the tests above expired long ago: the first sweep catches up on them (from the mark).
    await sweepAt(now + 89_999);
    expect(await sweepAt(now + 89_999)).toEqual({ expired: 0, ended: 0, left: 0 });
    expect(await sweepAt(now + 90_000)).toEqual({ expired: 1, ended: 0, left: 0 });
    expect(await sweepAt(now + 90_000)).toEqual({ expired: 0, ended: 0, left: 0 });
    const released = (await readWallet(store, 'book-sweep')).filter((event) => event.type === 'HoldReleased');
    expect(released).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ holdId, reason: 'expired', amount: 30n }) }),
    ]);
    expect(await partition(expiryPk(expiryBucket(now + 90_000)))).toEqual([]);
    const mark = await partition('EXPIRY');
    expect(mark).toEqual([
      expect.objectContaining({ sk: 'SWEPT', bucket: String(expiryBucket(now + 90_000) - 5) }),
    ]);
  });
});
