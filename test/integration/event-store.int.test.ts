import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { recordDeposit } from '#app/deposit.ts';
import { HeadCache } from '#app/head-cache.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import { randomIds, systemClock } from '../../functions/adapters/clock.ts';
import { createDocumentClient } from '../../functions/adapters/dynamodb/client.ts';
import { eventHash } from '../../functions/adapters/dynamodb/event-hash.ts';
import { DynamoEventStore } from '../../functions/adapters/dynamodb/event-store.ts';
import { fromEventItems } from '../../functions/adapters/dynamodb/table-layout/event-item.ts';
import {
  eventSk,
  IDEMPOTENCY_SK,
  idempotencyPk,
  LANE_SHARDS_FROM,
  LANES_SK,
  lanePk,
  walletPk,
} from '../../functions/adapters/dynamodb/table-layout/keys.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../functions/adapters/local/dynamodb-local.ts';
import { readAll, readWallet } from '../../functions/app/read-events.ts';
import { ensureTable } from '../../functions/local/table.ts';
import {
  LANES_MAX,
  type NewEvent,
  type StoredResponse,
  VersionConflictError,
} from '../../functions/ports/event-store.ts';

/**
 * The DynamoDB event store against the real DynamoDB Local (one table for this file, deleted at
 * the end): versions, hash chain, optimistic concurrency, idempotency in the same transaction,
 * lanes, paging, and recordDeposit under real concurrency.
 */

let endpoint: string;
let raw: DynamoDBClient;
let documents: DynamoDBDocumentClient;
let store: DynamoEventStore;
const tableName = `tally-int-es-${randomUUID().slice(0, 8)}`;
const extraClients: DynamoDBDocumentClient[] = [];

beforeAll(async () => {
  endpoint = inject('dynamodbEndpoint');
  raw = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  await ensureTable(raw, tableName);
  documents = createDocumentClient({ endpoint, region: LOCAL_REGION });
  store = new DynamoEventStore(documents, tableName);
});

afterAll(async () => {
  for (const client of extraClients) client.destroy();
  documents?.destroy();
  await raw?.send(new DeleteTableCommand({ TableName: tableName }));
  raw?.destroy();
});

const newWallet = (name: string): string => `${name}-${randomUUID().slice(0, 8)}`;

/** The amount of a deposit event (0 for any other kind of event). */
const amountOf = (event: RecordedEvent): bigint => (event.type === 'Deposited' ? event.data.amountMinor : 0n);

let idCounter = 0;
function newEvent(amountMinor: bigint, occurredAtMs = 1_700_000_000_000, eventId?: string): NewEvent {
  idCounter++;
  return {
    type: 'Deposited',
    data: { amountMinor, occurredAtMs },
    eventId: eventId ?? `evt-${idCounter}`,
    recordedAtMs: occurredAtMs + 7,
  };
}

/**
 * Every item stored under the wallet's partitions (events, lanes registry, views), raw: its own key
 * and the key of each hot lane (keys.ts, lane shards), whether registered or not.
 */
async function walletItems(walletId: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  const partitions = [walletPk(walletId)];
  for (let lane = LANE_SHARDS_FROM; lane < LANES_MAX; lane++) partitions.push(lanePk(walletId, lane));
  for (const pk of partitions) {
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await documents.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(result.Items ?? []));
      startKey = result.LastEvaluatedKey;
    } while (startKey !== undefined);
  }
  return items;
}

async function eventItems(walletId: string) {
  return fromEventItems((await walletItems(walletId)).filter((item) => String(item.sk).startsWith('EVENT#')));
}

async function rawIdempotencyItem(key: string): Promise<Record<string, unknown> | undefined> {
  const result = await documents.send(
    new GetCommand({
      TableName: tableName,
      Key: { pk: idempotencyPk(key), sk: IDEMPOTENCY_SK },
      ConsistentRead: true,
    }),
  );
  return result.Item;
}

/** Checks one lane's stored chain: dense versions from 1, prevHash links, and recomputed hashes. */
async function expectLaneChainValid(walletId: string, lane: number): Promise<number> {
  const stored = (await eventItems(walletId))
    .filter((event) => event.lane === lane)
    .sort((a, b) => a.version - b.version);
  let prevHash = '';
  stored.forEach((event, index) => {
    expect(event.version).toBe(index + 1);
    expect(event.prevHash).toBe(prevHash);
    const { hash, prevHash: _prev, ...recorded } = event;
    expect(eventHash(event.prevHash, recorded)).toBe(hash);
    prevHash = hash;
  });
  const head = await store.head(walletId, lane);
  expect(head).toEqual({ version: stored.length, hash: prevHash });
  return stored.length;
}

async function captureError(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

describe('DynamoEventStore: what the table holds', () => {
  // The store's behaviour (versions, conflicts, idempotency, lanes, paging) is the contract suite's,
  // run on this adapter in event-store.contract.int.test.ts; here is what only the table shows.
  it('stores amounts as exact decimal attributes, and the hash chain and the key on every event item', async () => {
    const walletId = newWallet('items');
    const key = `items-${walletId}`;
    const first = await store.append({
      walletId,
      lane: 0,
      expected: { version: 0, hash: '' },
      events: [newEvent(1n), newEvent(100_000_000_000_000n)],
    });
    if (first.kind !== 'appended') throw new Error(`unexpected ${first.kind}`);
    const huge = 12_345_678_901_234_567_890_123_456_789_012_345_678n;
    await store.append({
      walletId,
      lane: 0,
      expected: first.head,
      events: [newEvent(huge)],
      idempotency: { key, payloadHash: 'p', response: { statusCode: 201, body: '{}' } },
    });
    // The stored attribute is the exact decimal, not a float's rendering of it.
    const amounts = (await walletItems(walletId)).map(
      (item) => (item.data as { amountMinor: unknown }).amountMinor,
    );
    expect(amounts).toEqual(['1', '100000000000000', huge.toString()]);

    const stored = await eventItems(walletId);
    expect(stored[0]?.prevHash).toBe('');
    expect(stored[1]?.prevHash).toBe(stored[0]?.hash);
    expect(stored[2]?.prevHash).toBe(stored[1]?.hash);
    expect(stored.map((event) => event.idempotencyKey)).toEqual([undefined, undefined, key]);
    expect(await expectLaneChainValid(walletId, 0)).toBe(3);
  });

  it('makes hand edits visible: a changed amount breaks the chain, a deleted event breaks read()', async () => {
    const walletId = newWallet('tamper');
    await store.append({
      walletId,
      lane: 0,
      expected: { version: 0, hash: '' },
      events: [newEvent(10n), newEvent(20n), newEvent(30n)],
    });
    await documents.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: walletPk(walletId), sk: eventSk(0, 2) },
        UpdateExpression: 'SET #data.amountMinor = :amount',
        ExpressionAttributeNames: { '#data': 'data' },
        ExpressionAttributeValues: { ':amount': 2_000n },
      }),
    );
    const edited = (await eventItems(walletId)).find((event) => event.version === 2);
    if (edited === undefined) throw new Error('no version 2');
    const { hash, prevHash, ...recorded } = edited;
    expect(amountOf(recorded)).toBe(2_000n);
    expect(eventHash(prevHash, recorded)).not.toBe(hash);

    await documents.send(
      new DeleteCommand({ TableName: tableName, Key: { pk: walletPk(walletId), sk: eventSk(0, 2) } }),
    );
    await expect(readAll(store, walletId, 0)).rejects.toThrow(/no version 2 \(found 3\)/);
    await expect(readWallet(store, walletId)).rejects.toThrow(/lane 0 has no version 2 \(found 3\)/);
  });

  it('leaves nothing of a lost append in the table: no event item, no idempotency item', async () => {
    const walletId = newWallet('atomic');
    await store.append({ walletId, lane: 0, expected: { version: 0, hash: '' }, events: [newEvent(1n)] });
    const before = await walletItems(walletId);
    const key = `key-atomic-${walletId}`;
    const error = await captureError(
      store.append({
        walletId,
        lane: 0,
        expected: { version: 0, hash: '' },
        events: [newEvent(2n), newEvent(3n)],
        idempotency: { key, payloadHash: 'hash-A', response: { statusCode: 201, body: '{}' } },
      }),
    );
    expect(error).toBeInstanceOf(VersionConflictError);
    expect(await walletItems(walletId)).toEqual(before);
    expect(await rawIdempotencyItem(key)).toBeUndefined();
  });

  it('registers lanes in one LANES item: a number set of the opened lanes besides 0', async () => {
    const walletId = newWallet('lanes');
    await store.append({ walletId, lane: 0, expected: { version: 0, hash: '' }, events: [newEvent(1n)] });
    const opened = await store.append({
      walletId,
      lane: 3,
      expected: { version: 0, hash: '' },
      events: [newEvent(2n)],
    });
    if (opened.kind !== 'appended') throw new Error(`unexpected ${opened.kind}`);
    await store.append({ walletId, lane: 3, expected: opened.head, events: [newEvent(3n)] });
    await store.append({ walletId, lane: 31, expected: { version: 0, hash: '' }, events: [newEvent(4n)] });
    const registry = (await walletItems(walletId)).filter((item) => item.sk === LANES_SK);
    expect(registry).toHaveLength(1);
    expect(
      [...((registry[0]?.lanes as Set<unknown> | undefined) ?? [])].map(Number).sort((a, b) => a - b),
    ).toEqual([3, 31]);
  });
});

describe('recordDeposit against DynamoDB Local', () => {
  const respond = (events: RecordedEvent[]): StoredResponse => ({
    statusCode: 201,
    body: JSON.stringify(
      events.map((event) => ({ lane: event.lane, version: event.version, eventId: event.eventId })),
    ),
  });

  /** A writer as one Lambda instance would be: its own client, store and head cache. */
  function writer() {
    const client = createDocumentClient({ endpoint, region: LOCAL_REGION });
    extraClients.push(client);
    return {
      store: new DynamoEventStore(client, tableName),
      heads: new HeadCache(),
      clock: systemClock,
      ids: randomIds,
    };
  }

  it('16 concurrent writers × 10 deposits on one wallet: all recorded, exact sum, dense verified lanes', async () => {
    const walletId = newWallet('hot');
    const amountMinor = 12_345_678_901n;
    const writers = Array.from({ length: 16 }, writer);
    const results = await Promise.all(
      writers.map(async (deps) => {
        const mine = [];
        for (let i = 0; i < 10; i++) mine.push(await recordDeposit(deps, { walletId, amountMinor, respond }));
        return mine;
      }),
    );
    const flat = results.flat();
    expect(flat.map((result) => result.kind)).toEqual(Array(160).fill('recorded'));

    const events = await readWallet(store, walletId);
    expect(events).toHaveLength(160);
    expect(events.reduce((sum, event) => sum + amountOf(event), 0n)).toBe(160n * amountMinor);
    expect(new Set(events.map((event) => event.eventId)).size).toBe(160);
    // What each writer was told matches what the store holds.
    const recordedIds = flat.flatMap((result) => (result.kind === 'recorded' ? result.events : []));
    expect(new Set(recordedIds.map((event) => `${event.lane}:${event.version}:${event.eventId}`))).toEqual(
      new Set(events.map((event) => `${event.lane}:${event.version}:${event.eventId}`)),
    );

    const lanes = await store.lanes(walletId);
    // The one-Query read of the whole log gives exactly what lanes + read per lane give.
    const perLane = [];
    for (const lane of lanes) perLane.push(...(await readAll(store, walletId, lane)));
    expect(events).toEqual(perLane);
    const stored = await eventItems(walletId);
    // Every lane that holds events is registered (else readers would miss them).
    expect(lanes).toEqual([...new Set(stored.map((event) => event.lane))].sort((a, b) => a - b));
    let counted = 0;
    for (const lane of lanes) {
      const versions = (await readAll(store, walletId, lane)).map((event) => event.version);
      expect(versions).toEqual(Array.from({ length: versions.length }, (_, i) => i + 1));
      counted += await expectLaneChainValid(walletId, lane);
    }
    expect(counted).toBe(160);
    // The writers really raced, and the losers really spread over further lanes.
    const conflicts = flat.reduce((n, result) => n + (result.kind === 'recorded' ? result.conflicts : 0), 0);
    expect(conflicts).toBeGreaterThan(0);
    expect(lanes.length).toBeGreaterThan(1);
  }, 30_000);

  it('a writer whose cached head is stale (not contended) catches up in the same lane', async () => {
    const walletId = newWallet('stale-cache');
    const a = writer();
    const b = writer();
    const first = await recordDeposit(a, { walletId, amountMinor: 1n, respond });
    expect(first).toMatchObject({ kind: 'recorded', conflicts: 0 });
    for (let i = 0; i < 3; i++) await recordDeposit(b, { walletId, amountMinor: 1n, respond });
    // A's cache still says lane 0 version 1; its next deposit starts well after B's writes.
    const later = { ...a, clock: { nowMs: () => Date.now() + 10_000 } };
    const result = await recordDeposit(later, { walletId, amountMinor: 1n, respond });
    expect(result.kind).toBe('recorded');
    if (result.kind !== 'recorded') return;
    expect(result.conflicts).toBe(1);
    expect(result.events.map((event) => [event.lane, event.version])).toEqual([[0, 5]]);
    expect(await store.lanes(walletId)).toEqual([0]);
    expect(await expectLaneChainValid(walletId, 0)).toBe(5);
  });

  it('20 concurrent deposits with one idempotency key: one event, one identical response for all', async () => {
    const walletId = newWallet('idem');
    const idempotency = { key: `idem-${walletId}`, payloadHash: 'same-payload' };
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        recordDeposit(writer(), { walletId, amountMinor: 500n, idempotency, respond }),
      ),
    );
    const kinds = results.map((result) => result.kind);
    expect(kinds.filter((kind) => kind === 'recorded')).toHaveLength(1);
    expect(kinds.every((kind) => kind === 'recorded' || kind === 'replayed')).toBe(true);

    const events = await readWallet(store, walletId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ lane: 0, version: 1, idempotencyKey: idempotency.key });
    expect(events[0] && amountOf(events[0])).toBe(500n);

    const responses = results.map((result) =>
      result.kind === 'recorded' || result.kind === 'replayed' ? result.response : undefined,
    );
    const stored = await store.findIdempotency(idempotency.key);
    expect(stored?.eventIds).toEqual([events[0]?.eventId]);
    expect(stored?.versions).toEqual([1]);
    for (const response of responses) expect(response).toEqual(stored?.response);
    expect(JSON.parse(stored?.response.body ?? 'null')).toEqual([
      { lane: 0, version: 1, eventId: events[0]?.eventId },
    ]);
  });
});
