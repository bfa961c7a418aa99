import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordDeposit } from '#app/deposit.ts';
import { HeadCache } from '#app/head-cache.ts';
import { projectWallet } from '#app/wallet-projection.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import { rebuildView } from '#domain/wallet-view.ts';
import { randomIds, systemClock } from '../../functions/adapters/clock.ts';
import type { DynamoEventStore } from '../../functions/adapters/dynamodb/event-store.ts';
import { DynamoReadModelStore } from '../../functions/adapters/dynamodb/read-models.ts';
import { storedEventKeyFromStreamKeys } from '../../functions/adapters/dynamodb/stream-keys.ts';
import { eventSk, lanePk, walletPk } from '../../functions/adapters/dynamodb/table-layout/keys.ts';
import { readWallet } from '../../functions/app/read-events.ts';
import { HOT_LANES_FROM, type NewEvent, VersionConflictError } from '../../functions/ports/event-store.ts';
import { walletsRung } from '../../functions/triggers/stream-batch.ts';
import { type CountedStoreTable, countedStoreTable } from '../support/local.ts';

/**
 * Lane shards on DynamoDB Local: a hot lane's events live under a partition key of their own
 * (`WALLET#<id>#<lane>`), and every reader still finds them — the whole-log read, the projector
 * (by the stream's keys), jobs over all wallets; deposits stay exactly once and the view equals
 * the fold of the log.
 */

let table: CountedStoreTable;
let documents: DynamoDBDocumentClient;
let store: DynamoEventStore;
let tableName: string;
const CONFIG: ThresholdConfig = { thresholdMinor: 1_000_000n, windowMs: 120_000, retainMax: 16 };
const EMPTY = { version: 0, hash: '' };

beforeAll(async () => {
  table = await countedStoreTable('tally-int-shards');
  ({ documents, store, tableName } = table);
});

afterAll(() => table?.drop());

const newWallet = (name: string): string => `${name}-${randomUUID().slice(0, 8)}`;
let counter = 0;
const deposit = (amountMinor: bigint): NewEvent => ({
  type: 'Deposited',
  data: { amountMinor, occurredAtMs: 1_700_000_000_000 + counter },
  eventId: `shard-${++counter}`,
  recordedAtMs: 1_700_000_000_000 + counter,
});

async function keysUnder(pk: string): Promise<string[]> {
  const result = await documents.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      ConsistentRead: true,
    }),
  );
  return (result.Items ?? []).map((item) => String(item.sk));
}

describe('lane shards', () => {
  it('keeps a hot lane under its own partition key, and lanes below 32 under the wallet key', async () => {
    const walletId = newWallet('layout');
    await store.append({ walletId, lane: 0, expected: EMPTY, events: [deposit(1n)] });
    await store.append({ walletId, lane: 5, expected: EMPTY, events: [deposit(2n)] });
    await store.append({ walletId, lane: 40, expected: EMPTY, events: [deposit(3n), deposit(4n)] });

    expect(lanePk(walletId, 40)).toBe(`WALLET#${walletId}#40`);
    expect(await keysUnder(lanePk(walletId, 40))).toEqual([eventSk(40, 1), eventSk(40, 2)]);
    // The wallet's own key keeps lanes 0 and 5 and the registry, and nothing of lane 40.
    expect(await keysUnder(walletPk(walletId))).toEqual([eventSk(0, 1), eventSk(5, 1), 'LANES']);
    expect(await store.lanes(walletId)).toEqual([0, 5, 40]);
    const heads = new Map([
      [0, await store.head(walletId, 0)],
      [5, await store.head(walletId, 5)],
      [40, await store.head(walletId, 40)],
    ]);
    expect(await store.verify(walletId)).toEqual({ ok: true, lanes: 3, events: 4, heads });
  });

  it('reads a wallet without shards in one Query, and one with shards in one more per shard', async () => {
    const cold = newWallet('cold');
    await store.append({ walletId: cold, lane: 0, expected: EMPTY, events: [deposit(1n)] });
    await store.append({ walletId: cold, lane: 3, expected: EMPTY, events: [deposit(2n)] });
    const queriesBefore = table.sent('QueryCommand');
    expect((await readWallet(store, cold)).map((event) => event.lane)).toEqual([0, 3]);
    expect(table.sent('QueryCommand') - queriesBefore).toBe(1);

    const hot = newWallet('hot');
    await store.append({ walletId: hot, lane: 0, expected: EMPTY, events: [deposit(1n)] });
    for (const lane of [33, 47, 63])
      await store.append({ walletId: hot, lane, expected: EMPTY, events: [deposit(BigInt(lane))] });
    const hotBefore = table.sent('QueryCommand');
    expect((await readWallet(store, hot)).map((event) => event.lane)).toEqual([0, 33, 47, 63]);
    expect(table.sent('QueryCommand') - hotBefore).toBe(4);
  });

  it('names the wallet and the lane of a shard item to the projector and the publisher', () => {
    const keys = { pk: { S: 'WALLET#w-1#40' }, sk: { S: eventSk(40, 7) } };
    expect(storedEventKeyFromStreamKeys(keys)).toEqual({ walletId: 'w-1', lane: 40, version: 7 });
    const rung = walletsRung([
      { dynamodb: { Keys: keys } },
      { dynamodb: { Keys: { ...keys, pk: { S: 'WALLET#w-1' }, sk: { S: eventSk(0, 1) } } } },
    ]);
    expect([...(rung.get('w-1') ?? [])].sort((a, b) => a - b)).toEqual([0, 40]);
  });

  it('lists a sharded wallet once to jobs over every wallet', async () => {
    const walletId = newWallet('listed');
    await store.append({ walletId, lane: 0, expected: EMPTY, events: [deposit(1n)] });
    await store.append({ walletId, lane: 50, expected: EMPTY, events: [deposit(2n)] });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await store.walletIds({ segment: 0, segments: 1, cursor });
      seen.push(...page.walletIds);
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen.filter((id) => id === walletId)).toEqual([walletId]);
  });

  it('opens a hot lane with the registration first and one PutItem (no transaction); a lost opening names the registered lanes', async () => {
    const walletId = newWallet('opening');
    await store.append({ walletId, lane: 0, expected: EMPTY, events: [deposit(1n)] });
    await store.append({ walletId, lane: 33, expected: EMPTY, events: [deposit(2n)] });
    const transactions = table.sent('TransactWriteItemsCommand');
    const [updates, puts] = [table.sent('UpdateItemCommand'), table.sent('PutItemCommand')];
    await store.append({ walletId, lane: 40, expected: EMPTY, events: [deposit(3n)] });
    expect(table.sent('TransactWriteItemsCommand') - transactions).toBe(0);
    expect([table.sent('UpdateItemCommand') - updates, table.sent('PutItemCommand') - puts]).toEqual([1, 1]);

    // Another writer opening lane 40 too loses to the event there, and learns every lane opened.
    const lost = await store
      .append({ walletId, lane: 40, expected: EMPTY, events: [deposit(4n)] })
      .catch((error: unknown) => error);
    expect(lost).toBeInstanceOf(VersionConflictError);
    expect(lost).toMatchObject({ reason: 'version-taken', taken: { version: 1 }, registered: [0, 33, 40] });
    expect((await readWallet(store, walletId)).map((event) => event.eventId)).toEqual(
      [1, 2, 3].map((n) => `shard-${counter - 4 + n}`),
    );
  });

  it('a lane registered whose version 1 never came (its key was used) reads as empty, verifies, and opens later', async () => {
    const walletId = newWallet('empty-lane');
    const idempotency = {
      key: `k-${walletId}`,
      payloadHash: 'ph',
      response: { statusCode: 201, body: '{}' },
    };
    await store.append({ walletId, lane: 0, expected: EMPTY, events: [deposit(1n)], idempotency });
    const again = await store.append({
      walletId,
      lane: 41,
      expected: EMPTY,
      events: [deposit(1n)],
      idempotency,
    });
    expect(again.kind).toBe('duplicate');
    expect(await store.lanes(walletId)).toEqual([0, 41]);
    expect(await store.head(walletId, 41)).toEqual(EMPTY);
    expect((await readWallet(store, walletId)).map((event) => event.lane)).toEqual([0]);
    expect(await store.verify(walletId)).toMatchObject({ ok: true, lanes: 2, events: 1 });
    const readModels = new DynamoReadModelStore(documents, tableName);
    await projectWallet(store, readModels, walletId, CONFIG);
    expect(await readModels.getView(walletId)).toEqual(
      rebuildView(walletId, await readWallet(store, walletId), CONFIG),
    );

    await store.append({ walletId, lane: 41, expected: EMPTY, events: [deposit(5n)] });
    expect((await readWallet(store, walletId)).map((event) => event.lane)).toEqual([0, 41]);
    expect(await store.verify(walletId)).toMatchObject({ ok: true, lanes: 2, events: 2 });
  });

  it('16 producers on one wallet: hot lanes used, each key once, and the view equals the fold of the log', async () => {
    const walletId = newWallet('producers');
    const keys = Array.from({ length: 96 }, (_, i) => `key-${walletId}-${i}`);
    // Every key is sent twice, by two different producers: it must take effect once.
    const sends = [...keys, ...keys].map((key, i) => ({ key, amountMinor: BigInt(100 + (i % keys.length)) }));
    const producers = Array.from({ length: 16 }, (_, p) => sends.filter((_, i) => i % 16 === p));
    await Promise.all(
      producers.map(async (mine) => {
        const deps = { store, clock: systemClock, ids: randomIds, heads: new HeadCache() };
        for (const send of mine) {
          const result = await recordDeposit(deps, {
            walletId,
            amountMinor: send.amountMinor,
            idempotency: { key: send.key, payloadHash: `hash-${send.amountMinor}` },
            respond: () => ({ statusCode: 201, body: '{}' }),
          });
          expect(['recorded', 'replayed']).toContain(result.kind);
        }
      }),
    );
    const log = await readWallet(store, walletId);
    expect(log.map((event) => event.idempotencyKey).sort()).toEqual([...keys].sort());
    const lanes = new Set(log.map((event) => event.lane));
    expect([...lanes].every((lane) => lane === 0 || lane >= HOT_LANES_FROM)).toBe(true);
    expect([...lanes].some((lane) => lane >= HOT_LANES_FROM)).toBe(true);
    const total = log.reduce(
      (sum, event) => sum + (event.type === 'Deposited' ? event.data.amountMinor : 0n),
      0n,
    );
    expect(total).toBe(keys.reduce((sum, _, i) => sum + BigInt(100 + i), 0n));

    const readModels = new DynamoReadModelStore(documents, tableName);
    // Doorbells name only lane 0 here: the projector must still find every shard (the registry).
    await projectWallet(store, readModels, walletId, CONFIG);
    expect(await readModels.getView(walletId)).toEqual(rebuildView(walletId, log, CONFIG));
    expect(await store.verify(walletId)).toMatchObject({ ok: true, events: keys.length });
  });
});
