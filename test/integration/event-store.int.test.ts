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
import { DynamoEventStore, EVENTS_PER_APPEND_MAX } from '../../functions/adapters/dynamodb/event-store.ts';
import { fromEventItem } from '../../functions/adapters/dynamodb/table-layout/event-item.ts';
import {
  eventSk,
  IDEMPOTENCY_SK,
  idempotencyPk,
  LANES_SK,
  walletPk,
} from '../../functions/adapters/dynamodb/table-layout/keys.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../functions/adapters/local/dynamodb-local.ts';
import { ensureTable } from '../../functions/adapters/local/table.ts';
import { readAll, readWallet } from '../../functions/app/read-events.ts';
import {
  type AppendOutcome,
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

/** Every item stored under the wallet's partition (events, lanes registry, views), raw. */
async function walletItems(walletId: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const result = await documents.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': walletPk(walletId) },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(result.Items ?? []));
    startKey = result.LastEvaluatedKey;
  } while (startKey !== undefined);
  return items;
}

async function eventItems(walletId: string) {
  return (await walletItems(walletId))
    .filter((item) => String(item.sk).startsWith('EVENT#'))
    .map((item) => fromEventItem(item));
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

describe('DynamoEventStore: append, head, read', () => {
  it('appends to an empty lane 0 at version 1; head and read return it exactly, bigints intact', async () => {
    const walletId = newWallet('first');
    expect(await store.head(walletId, 0)).toEqual({ version: 0, hash: '' });
    expect(await store.lanes(walletId)).toEqual([0]);
    expect(await readAll(store, walletId, 0)).toEqual([]);

    const small = newEvent(1n, 1_700_000_000_001, 'e-small');
    const outcome = await store.append({
      walletId,
      lane: 0,
      expected: { version: 0, hash: '' },
      events: [small],
    });
    expect(outcome.kind).toBe('appended');
    if (outcome.kind !== 'appended') return;
    expect(outcome.head.version).toBe(1);
    expect(outcome.head.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(outcome.events).toEqual([{ ...small, walletId, lane: 0, version: 1 }]);
    expect(await store.head(walletId, 0)).toEqual(outcome.head);

    const large = newEvent(100_000_000_000_000n, 1_700_000_000_002, 'e-large');
    const second = await store.append({ walletId, lane: 0, expected: outcome.head, events: [large] });
    expect(second.kind).toBe('appended');
    if (second.kind !== 'appended') return;
    expect(second.head.version).toBe(2);

    // The adapter's read() also hands back the stored hash/prevHash (the in-memory store strips them);
    // compare the RecordedEvent fields exactly.
    const read = (await readAll(store, walletId, 0)).map(
      ({ hash: _hash, prevHash: _prev, ...event }: RecordedEvent & { hash?: string; prevHash?: string }) =>
        event,
    );
    expect(read).toEqual([
      {
        type: 'Deposited',
        data: { amountMinor: 1n, occurredAtMs: 1_700_000_000_001 },
        eventId: 'e-small',
        recordedAtMs: 1_700_000_000_008,
        walletId,
        lane: 0,
        version: 1,
      },
      {
        type: 'Deposited',
        data: { amountMinor: 100_000_000_000_000n, occurredAtMs: 1_700_000_000_002 },
        eventId: 'e-large',
        recordedAtMs: 1_700_000_000_009,
        walletId,
        lane: 0,
        version: 2,
      },
    ]);
    expect(typeof (read[1] && amountOf(read[1]))).toBe('bigint');
    // The stored attribute is the exact decimal, not a float's rendering of it.
    const items = await walletItems(walletId);
    const amounts = items.map((item) => (item.data as { amountMinor: unknown }).amountMinor);
    expect(amounts).toEqual(['1', '100000000000000']);
    expect(await store.head(walletId, 0)).toEqual(second.head);

    // Beyond 2^53 (no float could hold these) and up to DynamoDB's 38 significant digits.
    const huge = [9_007_199_254_740_993n, 12_345_678_901_234_567_890_123_456_789_012_345_678n];
    const third = await store.append({
      walletId,
      lane: 0,
      expected: second.head,
      events: huge.map((amountMinor, index) => newEvent(amountMinor, 1_700_000_000_003 + index)),
    });
    expect(third.kind).toBe('appended');
    const readHuge = (await readAll(store, walletId, 0, { fromVersion: 3 })).map(amountOf);
    expect(readHuge).toEqual(huge);
    await expectLaneChainValid(walletId, 0);
  });

  it('hash-chains events: prevHash of n is the hash of n − 1, and every hash recomputes', async () => {
    const walletId = newWallet('chain');
    const first = await store.append({
      walletId,
      lane: 0,
      expected: { version: 0, hash: '' },
      events: [newEvent(10n), newEvent(20n), newEvent(30n)],
    });
    if (first.kind !== 'appended') throw new Error(`unexpected ${first.kind}`);
    const second = await store.append({
      walletId,
      lane: 0,
      expected: first.head,
      events: [newEvent(40n), newEvent(50n)],
      idempotency: { key: `chain-${walletId}`, payloadHash: 'p', response: { statusCode: 201, body: '{}' } },
    });
    if (second.kind !== 'appended') throw new Error(`unexpected ${second.kind}`);

    const stored = await eventItems(walletId);
    expect(stored.map((event) => event.version)).toEqual([1, 2, 3, 4, 5]);
    expect(stored[0]?.prevHash).toBe('');
    for (let index = 1; index < stored.length; index++) {
      expect(stored[index]?.prevHash).toBe(stored[index - 1]?.hash);
    }
    expect(new Set(stored.map((event) => event.hash)).size).toBe(5);
    expect(stored[4]?.idempotencyKey).toBe(`chain-${walletId}`);
    expect(await expectLaneChainValid(walletId, 0)).toBe(5);
    expect(second.head).toEqual({ version: 5, hash: stored[4]?.hash });

    // The chain really covers the content: the same event with another amount hashes differently.
    const third = stored[2];
    if (third === undefined) throw new Error('no third event');
    const { hash, prevHash, ...recorded } = third;
    if (recorded.type !== 'Deposited') throw new Error('not a deposit');
    expect(eventHash(prevHash, { ...recorded, data: { ...recorded.data, amountMinor: 31n } })).not.toBe(hash);
    // …and the lane: the same event moved to another lane does not verify.
    expect(eventHash(prevHash, { ...recorded, lane: 1 })).not.toBe(hash);
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

  it('refuses a stale expected head with version-taken, naming the winner; the loser writes nothing', async () => {
    const walletId = newWallet('race');
    const empty = await store.head(walletId, 0);
    const winner = await store.append({ walletId, lane: 0, expected: empty, events: [newEvent(5n)] });
    if (winner.kind !== 'appended') throw new Error(`unexpected ${winner.kind}`);
    const before = await walletItems(walletId);
    expect(before).toHaveLength(1);

    const error = await captureError(
      store.append({ walletId, lane: 0, expected: empty, events: [newEvent(6n), newEvent(7n)] }),
    );
    expect(error).toBeInstanceOf(VersionConflictError);
    const conflict = error as VersionConflictError;
    expect(conflict.reason).toBe('version-taken');
    expect(conflict.walletId).toBe(walletId);
    expect(conflict.lane).toBe(0);
    expect(conflict.expectedVersion).toBe(0);
    expect(conflict.taken).toMatchObject({ version: 1, hash: winner.head.hash });

    const after = await walletItems(walletId);
    expect(after).toEqual(before);
    expect(await store.head(walletId, 0)).toEqual(winner.head);

    // Retrying after `taken`, without a read, succeeds and continues the chain.
    const retry = await store.append({
      walletId,
      lane: 0,
      expected: conflict.taken ?? empty,
      events: [newEvent(6n)],
    });
    expect(retry.kind).toBe('appended');
    expect(await expectLaneChainValid(walletId, 0)).toBe(2);
  });

  it('rejects appends outside its limits without writing', async () => {
    const walletId = newWallet('limits');
    const expected = { version: 0, hash: '' };
    await expect(store.append({ walletId, lane: 0, expected, events: [] })).rejects.toThrow(/1 to 98/);
    const tooMany = Array.from({ length: EVENTS_PER_APPEND_MAX + 1 }, () => newEvent(1n));
    await expect(store.append({ walletId, lane: 0, expected, events: tooMany })).rejects.toThrow(/1 to 98/);
    await expect(store.append({ walletId, lane: 32, expected, events: [newEvent(1n)] })).rejects.toThrow(
      /no lane 32/,
    );
    await expect(store.append({ walletId, lane: -1, expected, events: [newEvent(1n)] })).rejects.toThrow(
      /no lane -1/,
    );
    expect(await walletItems(walletId)).toEqual([]);
  });
});

describe('DynamoEventStore: idempotency', () => {
  const response: StoredResponse = { statusCode: 201, body: '{"version":1,"note":"original"}' };

  it('same key and payload → duplicate with the original response; no second event', async () => {
    const walletId = newWallet('dup');
    const key = `key-dup-${walletId}`;
    const first = await store.append({
      walletId,
      lane: 0,
      expected: { version: 0, hash: '' },
      events: [newEvent(100n, 1_700_000_000_000, 'dup-1')],
      idempotency: { key, payloadHash: 'hash-A', response },
    });
    if (first.kind !== 'appended') throw new Error(`unexpected ${first.kind}`);
    const itemsAfterFirst = await walletItems(walletId);
    const record = await store.findIdempotency(key);
    expect(record).toEqual({
      key,
      payloadHash: 'hash-A',
      walletId,
      versions: [1],
      eventIds: ['dup-1'],
      response,
      recordedAtMs: 1_700_000_000_007,
    });

    // A retry at the current head (its event slot is free): the key alone refuses it.
    const atHead = await store.append({
      walletId,
      lane: 0,
      expected: first.head,
      events: [newEvent(100n, 1_700_000_000_000, 'dup-2')],
      idempotency: { key, payloadHash: 'hash-A', response: { statusCode: 201, body: 'other' } },
    });
    expect(atHead).toEqual({ kind: 'duplicate', record });

    // A retry against the stale head (slot taken AND key used): still a duplicate, not a conflict.
    const stale = await store.append({
      walletId,
      lane: 0,
      expected: { version: 0, hash: '' },
      events: [newEvent(100n, 1_700_000_000_000, 'dup-3')],
      idempotency: { key, payloadHash: 'hash-A', response },
    });
    expect(stale).toEqual({ kind: 'duplicate', record });

    // A retry into another lane (slot free, lane not registered yet): refused, lane not opened.
    const otherLane = await store.append({
      walletId,
      lane: 4,
      expected: { version: 0, hash: '' },
      events: [newEvent(100n, 1_700_000_000_000, 'dup-4')],
      idempotency: { key, payloadHash: 'hash-A', response },
    });
    expect(otherLane.kind).toBe('duplicate');

    expect(await walletItems(walletId)).toEqual(itemsAfterFirst);
    expect(await store.lanes(walletId)).toEqual([0]);
    expect(await readWallet(store, walletId)).toHaveLength(1);
    expect(await store.findIdempotency(key)).toEqual(record);
  });

  it('same key, another payload → key-reused; nothing written', async () => {
    const walletId = newWallet('reuse');
    const key = `key-reuse-${walletId}`;
    await store.append({
      walletId,
      lane: 0,
      expected: { version: 0, hash: '' },
      events: [newEvent(100n)],
      idempotency: { key, payloadHash: 'hash-A', response },
    });
    const before = await walletItems(walletId);
    const recordBefore = await rawIdempotencyItem(key);

    const outcome: AppendOutcome = await store.append({
      walletId,
      lane: 0,
      expected: await store.head(walletId, 0),
      events: [newEvent(999n)],
      idempotency: { key, payloadHash: 'hash-B', response: { statusCode: 201, body: 'B' } },
    });
    expect(outcome.kind).toBe('key-reused');
    if (outcome.kind !== 'key-reused') return;
    expect(outcome.record.payloadHash).toBe('hash-A');
    expect(outcome.record.response).toEqual(response);
    expect(await walletItems(walletId)).toEqual(before);
    expect(await rawIdempotencyItem(key)).toEqual(recordBefore);

    // Another wallet with the same key: the key is global, so refused too, and nothing is written there.
    const otherWallet = newWallet('reuse-other');
    const elsewhere = await store.append({
      walletId: otherWallet,
      lane: 0,
      expected: { version: 0, hash: '' },
      events: [newEvent(1n)],
      idempotency: { key, payloadHash: 'hash-B', response },
    });
    expect(elsewhere.kind).toBe('key-reused');
    expect(await walletItems(otherWallet)).toEqual([]);
  });

  it('writes the key in the same transaction as the event: a lost version race leaves no key behind', async () => {
    const walletId = newWallet('atomic');
    const winner = await store.append({
      walletId,
      lane: 0,
      expected: { version: 0, hash: '' },
      events: [newEvent(1n)],
    });
    if (winner.kind !== 'appended') throw new Error(`unexpected ${winner.kind}`);
    const key = `key-atomic-${walletId}`;
    const error = await captureError(
      store.append({
        walletId,
        lane: 0,
        expected: { version: 0, hash: '' },
        events: [newEvent(2n)],
        idempotency: { key, payloadHash: 'hash-A', response },
      }),
    );
    expect(error).toBeInstanceOf(VersionConflictError);
    expect((error as VersionConflictError).taken).toMatchObject(winner.head);
    expect(await rawIdempotencyItem(key)).toBeUndefined();
    expect(await store.findIdempotency(key)).toBeUndefined();
    expect(await walletItems(walletId)).toHaveLength(1);

    // The key is still free: the retry at the right head takes it together with its event.
    const retry = await store.append({
      walletId,
      lane: 0,
      expected: winner.head,
      events: [newEvent(2n)],
      idempotency: { key, payloadHash: 'hash-A', response },
    });
    expect(retry.kind).toBe('appended');
    expect((await store.findIdempotency(key))?.versions).toEqual([2]);

    // A multi-event append whose first slot is taken writes none of its events (nor its key).
    const other = newWallet('atomic-multi');
    await store.append({
      walletId: other,
      lane: 0,
      expected: { version: 0, hash: '' },
      events: [newEvent(1n), newEvent(1n), newEvent(1n)],
    });
    const key2 = `key-atomic2-${other}`;
    await expect(
      store.append({
        walletId: other,
        lane: 0,
        expected: { version: 2, hash: 'whatever' },
        events: [newEvent(5n), newEvent(6n), newEvent(7n)],
        idempotency: { key: key2, payloadHash: 'x', response },
      }),
    ).rejects.toBeInstanceOf(VersionConflictError);
    expect(await rawIdempotencyItem(key2)).toBeUndefined();
    expect(await walletItems(other)).toHaveLength(3);
  });
});

describe('DynamoEventStore: lanes', () => {
  it('registers a lane on its version 1, once; reads are per lane', async () => {
    const walletId = newWallet('lanes');
    const lane0 = await store.append({
      walletId,
      lane: 0,
      expected: { version: 0, hash: '' },
      events: [newEvent(1n, 1, 'l0-1'), newEvent(2n, 2, 'l0-2')],
    });
    if (lane0.kind !== 'appended') throw new Error(`unexpected ${lane0.kind}`);
    expect(await store.lanes(walletId)).toEqual([0]);

    const lane3 = await store.append({
      walletId,
      lane: 3,
      expected: { version: 0, hash: '' },
      events: [newEvent(30n, 3, 'l3-1')],
    });
    if (lane3.kind !== 'appended') throw new Error(`unexpected ${lane3.kind}`);
    expect(lane3.events[0]).toMatchObject({ lane: 3, version: 1 });
    expect(await store.lanes(walletId)).toEqual([0, 3]);

    const lane3b = await store.append({
      walletId,
      lane: 3,
      expected: lane3.head,
      events: [newEvent(31n, 4, 'l3-2')],
    });
    expect(lane3b.kind).toBe('appended');
    expect(await store.lanes(walletId)).toEqual([0, 3]);
    const registry = (await walletItems(walletId)).filter((item) => item.sk === LANES_SK);
    expect(registry).toHaveLength(1);
    expect([...((registry[0]?.lanes as Set<unknown> | undefined) ?? [])].map(Number)).toEqual([3]);

    // A lost race to open lane 3 again registers nothing twice and writes nothing.
    await expect(
      store.append({ walletId, lane: 3, expected: { version: 0, hash: '' }, events: [newEvent(99n)] }),
    ).rejects.toMatchObject({ reason: 'version-taken', lane: 3, taken: lane3.head });
    expect(await store.lanes(walletId)).toEqual([0, 3]);

    // Lane 31 is the last one; lanes come back ascending.
    await store.append({ walletId, lane: 31, expected: { version: 0, hash: '' }, events: [newEvent(7n, 5)] });
    await store.append({ walletId, lane: 1, expected: { version: 0, hash: '' }, events: [newEvent(8n, 6)] });
    expect(await store.lanes(walletId)).toEqual([0, 1, 3, 31]);

    const read3 = await readAll(store, walletId, 3);
    expect(read3.map((event) => [event.lane, event.version, event.eventId])).toEqual([
      [3, 1, 'l3-1'],
      [3, 2, 'l3-2'],
    ]);
    const read0 = await readAll(store, walletId, 0);
    expect(read0.map((event) => [event.lane, event.version, event.eventId])).toEqual([
      [0, 1, 'l0-1'],
      [0, 2, 'l0-2'],
    ]);
    expect(await readAll(store, walletId, 2)).toEqual([]);
    expect(await store.head(walletId, 3)).toEqual(lane3b.kind === 'appended' ? lane3b.head : undefined);
    expect(await store.head(walletId, 0)).toEqual(lane0.head);
    expect(await store.head(walletId, 2)).toEqual({ version: 0, hash: '' });
    const all = await readWallet(store, walletId);
    expect(all.map((event) => `${event.lane}:${event.version}`)).toEqual([
      '0:1',
      '0:2',
      '1:1',
      '3:1',
      '3:2',
      '31:1',
    ]);
    for (const lane of [0, 1, 3, 31]) await expectLaneChainValid(walletId, lane);
  });
});

describe('DynamoEventStore: paging', () => {
  it('reads 1,176 events in several complete, ordered pages; ranges cut exactly', async () => {
    const walletId = newWallet('pages');
    const batches = 12;
    let head = { version: 0, hash: '' };
    const ids: string[] = [];
    for (let batch = 0; batch < batches; batch++) {
      const events = Array.from({ length: EVENTS_PER_APPEND_MAX }, (_, index) => {
        const n = batch * EVENTS_PER_APPEND_MAX + index + 1;
        ids.push(`page-${n}`);
        return newEvent(BigInt(n), 1_000 + n, `page-${n}`);
      });
      const outcome = await store.append({ walletId, lane: 0, expected: head, events });
      if (outcome.kind !== 'appended') throw new Error(`unexpected ${outcome.kind}`);
      head = outcome.head;
    }
    const total = batches * EVENTS_PER_APPEND_MAX;
    expect(total).toBe(1176);
    expect(head.version).toBe(total);

    const pages: RecordedEvent[][] = [];
    for await (const page of store.read(walletId, 0)) pages.push(page);
    expect(pages.length).toBeGreaterThanOrEqual(3);
    expect(pages.every((page) => page.length > 0)).toBe(true);
    const all = pages.flat();
    expect(all.map((event) => event.version)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(all.map((event) => event.eventId)).toEqual(ids);
    expect(all.reduce((sum, event) => sum + amountOf(event), 0n)).toBe(BigInt((total * (total + 1)) / 2));
    expect(await store.head(walletId, 0)).toEqual(head);
    // The whole-log read pages through the same items in one Query.
    expect(await readWallet(store, walletId)).toEqual(all);

    const range = async (fromVersion?: number, toVersion?: number) =>
      (
        await readAll(store, walletId, 0, {
          ...(fromVersion === undefined ? {} : { fromVersion }),
          ...(toVersion === undefined ? {} : { toVersion }),
        })
      ).map((event) => event.version);
    const span = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

    expect(await range(450, 1050)).toEqual(span(450, 1050));
    expect(await range(1170)).toEqual(span(1170, 1176));
    expect(await range(undefined, 3)).toEqual([1, 2, 3]);
    expect(await range(0, 2)).toEqual([1, 2]);
    expect(await range(500, 500)).toEqual([500]);
    expect(await range(501, 501)).toEqual([501]);
    expect(await range(1177)).toEqual([]);
    expect(await range(10, 9)).toEqual([]);

    // A range across a page boundary comes in more than one page, each in order.
    const rangePages: number[][] = [];
    for await (const page of store.read(walletId, 0, { fromVersion: 2, toVersion: 1100 })) {
      rangePages.push(page.map((event) => event.version));
    }
    expect(rangePages.length).toBeGreaterThanOrEqual(2);
    expect(rangePages.flat()).toEqual(span(2, 1100));
  }, 30_000);
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
