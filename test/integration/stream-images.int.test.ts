import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, DynamoDBRecord } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { readAll, readWallet } from '#app/read-events.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import { rebuildView } from '#domain/wallet-view.ts';
import { makeProjectStreamsHandler } from '#handlers/project-streams.ts';
import { makePublishEventsHandler } from '#handlers/publish-events.ts';
import type { PublishedEvent } from '#ports/event-bus.ts';
import type { EventRef } from '#ports/event-store.ts';
import { eventsRung } from '#triggers/stream-batch.ts';
import { createDocumentClient } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoEventStore } from '../../functions/adapters/dynamodb/event-store.ts';
import { DynamoReadModelStore } from '../../functions/adapters/dynamodb/read-models.ts';
import { storedEventKeyFromStreamKeys } from '../../functions/adapters/dynamodb/stream-keys.ts';
import { eventSk } from '../../functions/adapters/dynamodb/table-layout/keys.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../functions/adapters/local/dynamodb-local.ts';
import { matchesTableStreamFilter, toLambdaRecord } from '../../functions/local/stream-records.ts';
import { ensureTable } from '../../functions/local/table.ts';
import { EVENT_ITEMS_FILTER } from '../../lib/wiring.ts';

/**
 * NEW_IMAGE stream records on DynamoDB Local: the image of an event item's INSERT is the committed
 * event, so the projector and the outbox relay fold and publish from it without reading the event
 * back; a record without an image, or with one that is not the event at its keys, is read from
 * the store as before.
 */

const CONFIG: ThresholdConfig = { thresholdMinor: 1_000_000n, windowMs: 120_000, retainMax: 200 };
const tableName = `tally-int-img-${randomUUID().slice(0, 8)}`;
let raw: DynamoDBClient;
let streams: DynamoDBStreamsClient;
let documents: DynamoDBDocumentClient;
let store: DynamoEventStore;
let views: DynamoReadModelStore;
let streamArn: string;
/** Requests the document client sent, by command (and for BatchGetItem, the kind of item read). */
const sent: string[] = [];

beforeAll(async () => {
  const endpoint = inject('dynamodbEndpoint');
  raw = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  streams = new DynamoDBStreamsClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  streamArn = (await ensureTable(raw, tableName)).streamArn;
  documents = createDocumentClient({ endpoint, region: LOCAL_REGION });
  documents.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { RequestItems?: Record<string, { Keys?: { sk?: string }[] }> };
      const sk = Object.values(input.RequestItems ?? {})[0]?.Keys?.[0]?.sk;
      sent.push(`${context.commandName}${typeof sk === 'string' ? ` ${sk.split('#')[0]}` : ''}`);
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  store = new DynamoEventStore(documents, tableName);
  views = new DynamoReadModelStore(documents, tableName);
});

afterAll(async () => {
  documents?.destroy();
  await raw?.send(new DeleteTableCommand({ TableName: tableName }));
  raw?.destroy();
  streams?.destroy();
});

beforeEach(() => {
  sent.length = 0;
});

let ids = 0;
async function deposit(walletId: string, lane: number, amountMinor: bigint, idempotencyKey?: string) {
  const outcome = await store.append({
    walletId,
    lane,
    expected: await store.head(walletId, lane),
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    events: [
      {
        type: 'Deposited',
        data: { amountMinor, occurredAtMs: 1_700_000_000_000 },
        eventId: `img-${++ids}`,
        recordedAtMs: 1_700_000_000_005,
      },
    ],
  });
  if (outcome.kind !== 'appended') throw new Error(`unexpected ${outcome.kind}`);
}

/** Every event-item record on the table's stream so far, as Lambda's event carries them. */
async function eventRecords(walletId: string): Promise<DynamoDBRecord[]> {
  const shards = (await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }))).StreamDescription
    ?.Shards;
  const records: DynamoDBRecord[] = [];
  for (const shard of shards ?? []) {
    let iterator = (
      await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
    ).ShardIterator;
    for (let page = 0; iterator !== undefined && page < 20; page++) {
      const result = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      for (const record of result.Records ?? []) {
        if (matchesTableStreamFilter(EVENT_ITEMS_FILTER, record))
          records.push(toLambdaRecord(record, streamArn, LOCAL_REGION));
      }
      if ((result.Records ?? []).length === 0) break;
      iterator = result.NextShardIterator;
    }
  }
  return records.filter((record) => record.dynamodb?.Keys?.pk?.S?.includes(walletId));
}

const plain = (event: RecordedEvent) =>
  JSON.parse(JSON.stringify(event, (_, v) => (typeof v === 'bigint' ? `${v}n` : v)));
const byPlace = (a: EventRef, b: EventRef) => a.lane - b.lane || a.version - b.version;
const context = {} as Context;

describe('NEW_IMAGE stream records', () => {
  it('the table streams new images (the stack and the local table share the spec)', async () => {
    const table = await raw.send(new DescribeTableCommand({ TableName: tableName }));
    expect(table.Table?.StreamSpecification?.StreamViewType).toBe('NEW_IMAGE');
  });

  it('readEvents decodes the images it is handed and reads nothing; without images it reads', async () => {
    const walletId = `img-a-${randomUUID().slice(0, 6)}`;
    await deposit(walletId, 0, 100n);
    await deposit(walletId, 0, 250n, `key-${walletId}`);
    await deposit(walletId, 1, 75n);
    const truth = [...(await readAll(store, walletId, 0)), ...(await readAll(store, walletId, 1))].map(plain);
    const refs = eventsRung(await eventRecords(walletId));
    expect(refs).toHaveLength(3);
    expect(refs.every((ref) => ref.image !== undefined)).toBe(true);

    sent.length = 0;
    expect((await store.readEvents(refs)).sort(byPlace).map(plain)).toEqual(truth);
    expect(sent).toEqual([]);

    const keysOnly = refs.map(({ image: _image, ...ref }) => ref);
    expect((await store.readEvents(keysOnly)).sort(byPlace).map(plain)).toEqual(truth);
    expect(sent).toEqual(['BatchGetItemCommand EVENT']);
  });

  it('an image that is not the event at its keys, or not an event item, is read from the store instead', async () => {
    const walletId = `img-b-${randomUUID().slice(0, 6)}`;
    await deposit(walletId, 0, 10n);
    await deposit(walletId, 0, 20n);
    const truth = (await readAll(store, walletId, 0)).map(plain);
    const [first, second] = eventsRung(await eventRecords(walletId)).sort(byPlace) as [EventRef, EventRef];
    const swapped: EventRef[] = [
      { ...first, image: second.image },
      { ...second, image: { pk: { S: 'x' }, amount: { N: '1' } } },
    ];
    sent.length = 0;
    expect((await store.readEvents(swapped)).sort(byPlace).map(plain)).toEqual(truth);
    expect(sent).toEqual(['BatchGetItemCommand EVENT']);
  });

  it('the projector folds a dense batch of images without reading an event; the view equals the fold of the log', async () => {
    const walletId = `img-c-${randomUUID().slice(0, 6)}`;
    for (let i = 1; i <= 5; i++) await deposit(walletId, i % 2, BigInt(i * 100));
    const records = await eventRecords(walletId);
    expect(records).toHaveLength(5);
    const handler = makeProjectStreamsHandler(async () => ({
      stores: { events: store, readModels: views },
      config: CONFIG,
    }));
    sent.length = 0;
    expect(await handler({ Records: records }, context)).toEqual({ batchItemFailures: [] });
    // The wallet's first event is in the batch, so there is no older view to read: one write.
    expect(sent).toEqual(['PutItemCommand']);
    expect(await views.getView(walletId)).toEqual(
      rebuildView(walletId, await readWallet(store, walletId), CONFIG),
    );

    // Later events, to a projector that does not know the view: it reads the view, not the events.
    for (let i = 6; i <= 7; i++) await deposit(walletId, 0, BigInt(i * 100));
    const later = (await eventRecords(walletId)).slice(5);
    expect(later).toHaveLength(2);
    const fresh = makeProjectStreamsHandler(async () => ({
      stores: { events: store, readModels: views },
      config: CONFIG,
    }));
    sent.length = 0;
    expect(await fresh({ Records: later }, context)).toEqual({ batchItemFailures: [] });
    expect(sent.sort()).toEqual(['BatchGetItemCommand VIEW', 'PutItemCommand']);
    expect(await views.getView(walletId)).toEqual(
      rebuildView(walletId, await readWallet(store, walletId), CONFIG),
    );
  });

  it('reads its batch while the threshold is still being read (one wait on the table, not two)', async () => {
    const walletId = `img-t-${randomUUID().slice(0, 6)}`;
    await deposit(walletId, 0, 100n);
    await deposit(walletId, 0, 200n);
    // Its second event only: the projector must read the view (it may not assume there is none).
    const records = (await eventRecords(walletId)).slice(1);
    sent.length = 0;
    // The threshold answers only once the batch read was sent: a projector that waited for the
    // threshold first would never send it (and this test would time out).
    const config = (async () => {
      while (!sent.includes('BatchGetItemCommand VIEW'))
        await new Promise((resolve) => setTimeout(resolve, 5));
      return CONFIG;
    })();
    const handler = makeProjectStreamsHandler(async () => ({
      stores: { events: store, readModels: views },
      config,
    }));
    expect(await handler({ Records: records }, context)).toEqual({ batchItemFailures: [] });
    expect(await views.getView(walletId)).toEqual(
      rebuildView(walletId, await readWallet(store, walletId), CONFIG),
    );
  });

  it('a redelivered first batch to a projector that does not know the view keeps the view whole', async () => {
    const walletId = `img-f-${randomUUID().slice(0, 6)}`;
    await deposit(walletId, 0, 100n);
    await deposit(walletId, 1, 200n);
    await deposit(walletId, 0, 300n);
    const records = await eventRecords(walletId);
    const projector = () =>
      makeProjectStreamsHandler(async () => ({
        stores: { events: store, readModels: views },
        config: CONFIG,
      }));
    expect(await projector()({ Records: records }, context)).toEqual({ batchItemFailures: [] });
    const whole = rebuildView(walletId, await readWallet(store, walletId), CONFIG);
    expect(await views.getView(walletId)).toEqual(whole);
    // Only lane 0's first record again (a retry after a timeout): the assumption "no view yet" is
    // refused by the write's condition, and the projector reads what is stored.
    const first = records.filter((record) => record.dynamodb?.Keys?.sk?.S === eventSk(0, 1));
    expect(first).toHaveLength(1);
    sent.length = 0;
    expect(await projector()({ Records: first }, context)).toEqual({ batchItemFailures: [] });
    // Its write first (refused), then the reads of a retry; nothing more to write.
    expect(sent[0]).toBe('PutItemCommand');
    expect(sent.slice(1)).toContain('GetItemCommand');
    expect(sent.slice(1)).not.toContain('PutItemCommand');
    expect(await views.getView(walletId)).toEqual(whole);
  });

  it('the projector still works from records without images (a KEYS_ONLY stream)', async () => {
    const walletId = `img-d-${randomUUID().slice(0, 6)}`;
    for (let i = 1; i <= 3; i++) await deposit(walletId, 0, BigInt(i));
    const records = (await eventRecords(walletId)).map((record) => {
      const { NewImage: _image, ...keysOnly } = record.dynamodb ?? {};
      return { ...record, dynamodb: keysOnly };
    });
    const handler = makeProjectStreamsHandler(async () => ({
      stores: { events: store, readModels: views },
      config: CONFIG,
    }));
    expect(await handler({ Records: records }, context)).toEqual({ batchItemFailures: [] });
    expect(sent).toContain('BatchGetItemCommand EVENT');
    expect(await views.getView(walletId)).toEqual(
      rebuildView(walletId, await readWallet(store, walletId), CONFIG),
    );
  });

  it('the outbox relay publishes from the images without reading, and from the store without them', async () => {
    const walletId = `img-e-${randomUUID().slice(0, 6)}`;
    for (let i = 1; i <= 4; i++) await deposit(walletId, 0, BigInt(i * 10));
    const records = await eventRecords(walletId);
    const published: PublishedEvent[] = [];
    const handler = makePublishEventsHandler(async () => ({
      events: store,
      bus: {
        publish: async (events: readonly PublishedEvent[]) => {
          published.push(...events);
          return { failed: [] };
        },
      },
      source: 'tally/int',
      keyOf: storedEventKeyFromStreamKeys,
    }));
    sent.length = 0;
    expect(await handler({ Records: records })).toEqual({ batchItemFailures: [] });
    expect(sent).toEqual([]);
    const fromImages = published.splice(0);
    expect(fromImages.map((event) => event.id).sort()).toEqual(
      (await readAll(store, walletId, 0)).map((event) => event.eventId).sort(),
    );

    const keysOnly = records.map((record) => {
      const { NewImage: _image, ...rest } = record.dynamodb ?? {};
      return { ...record, dynamodb: rest };
    });
    sent.length = 0;
    expect(await handler({ Records: keysOnly })).toEqual({ batchItemFailures: [] });
    expect(sent).toEqual(['BatchGetItemCommand EVENT']);
    // The same CloudEvents, byte for byte, whichever way the event was obtained.
    expect(published).toEqual(fromImages);
  });
});
