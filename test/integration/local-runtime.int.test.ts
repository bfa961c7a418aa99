import { DeleteTableCommand, type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DynamoReadModelStore } from '../../functions/adapters/dynamodb/read-models.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../functions/adapters/local/dynamodb-local.ts';
import {
  type StreamBatchFailure,
  type StreamConsumer,
  StreamPoller,
  type StreamPollerOptions,
  type TableStreamTrigger,
} from '../../functions/local/stream-poller.ts';
import { ensureTable } from '../../functions/local/table.ts';
import { EVENT_ITEMS_FILTER, FUNCTIONS, type FunctionSpec } from '../../lib/wiring.ts';
import {
  dynamodbEndpoint,
  startTestRuntime,
  testDocumentClient,
  testDynamoDbClient,
  uniqueTableName,
} from '../support/local.ts';

const projectStreams = FUNCTIONS.find((spec) => spec.name === 'project-streams');
const projectTrigger = projectStreams?.triggers?.find((trigger) => trigger.kind === 'table-stream');
if (projectStreams === undefined || projectTrigger === undefined) {
  throw new Error('the wiring table has no project-streams function with a table-stream trigger');
}

let dynamodb: DynamoDBClient;
let streams: DynamoDBStreamsClient;
const pollers: StreamPoller[] = [];
const tables: string[] = [];

beforeAll(() => {
  dynamodb = testDynamoDbClient();
  streams = new DynamoDBStreamsClient({
    endpoint: dynamodbEndpoint(),
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
});

afterEach(async () => {
  await Promise.all(pollers.splice(0).map((poller) => poller.stop()));
});

afterAll(async () => {
  await Promise.all(tables.map((name) => dynamodb.send(new DeleteTableCommand({ TableName: name }))));
  dynamodb.destroy();
  streams.destroy();
});

async function freshTable(): Promise<{ tableName: string; streamArn: string }> {
  const tableName = uniqueTableName('tally-int');
  tables.push(tableName);
  const table = await ensureTable(dynamodb, tableName);
  return { tableName, streamArn: table.streamArn };
}

function startPoller(
  streamArn: string,
  consumers: StreamConsumer[],
  onFailure?: StreamPollerOptions['onFailure'],
) {
  const poller = new StreamPoller({
    client: streams,
    streamArn,
    consumers,
    region: LOCAL_REGION,
    retryBackoffMs: 5,
    log: () => undefined,
    ...(onFailure === undefined ? {} : { onFailure }),
  });
  poller.start();
  pollers.push(poller);
  return poller;
}

/**
 * Bare items whose sort key starts with EVENT# (what the stream filter lets through), numbered
 * `n` in their key; the fake handlers never read them back. Plus items the filter must drop.
 */
const eventKey = (walletId: string, n: number) => ({
  pk: { S: `WALLET#${walletId}` },
  sk: { S: `EVENT#test#${String(n).padStart(6, '0')}` },
});

async function putEvents(tableName: string, walletId: string, count: number, from = 1): Promise<void> {
  for (let n = from; n < from + count; n++) {
    await dynamodb.send(new PutItemCommand({ TableName: tableName, Item: eventKey(walletId, n) }));
  }
  await dynamodb.send(
    new PutItemCommand({
      TableName: tableName,
      Item: { pk: { S: `WALLET#${walletId}` }, sk: { S: 'VIEW#WALLET' } },
    }),
  );
  await dynamodb.send(
    new PutItemCommand({
      TableName: tableName,
      Item: { pk: { S: 'IDEMPOTENCY#k' }, sk: { S: 'IDEMPOTENCY' } },
    }),
  );
}

const fakeSpec: FunctionSpec = {
  name: 'fake-projector',
  entry: 'unused.ts',
  description: 'test double',
  memoryMb: 128,
  timeoutSeconds: 5,
  tableAccess: 'read',
};
const trigger = (overrides: Partial<TableStreamTrigger> = {}): TableStreamTrigger => ({
  kind: 'table-stream',
  filter: EVENT_ITEMS_FILTER,
  batchSize: 100,
  maxBatchingWindowSeconds: 0,
  retryAttempts: 2,
  ...overrides,
});
const versionsOf = (records: DynamoDBRecord[]): number[] =>
  records.map((record) => Number(/(\d+)$/.exec(record.dynamodb?.Keys?.sk?.S ?? '')?.[1]));

describe('stream poller → projector', () => {
  it('delivers Lambda-shaped, filtered batches to the projector and the wallet views converge', async () => {
    const delivered: DynamoDBStreamEvent[] = [];
    const runtime = await startTestRuntime({
      wrapHandler: (spec, handler) =>
        spec.name === 'project-streams'
          ? async (event, context) => {
              delivered.push(structuredClone(event as DynamoDBStreamEvent));
              return handler(event, context);
            }
          : handler,
    });
    try {
      const deposit = async (walletId: string, amount: string, headers: Record<string, string> = {}) => {
        const response = await fetch(`${runtime.url}/deposit`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: `{"WalletID": "${walletId}", "Amount": ${amount}}`,
        });
        expect(response.status).toBe(201);
      };
      // 1.10 + 2.20 + 3.30 = 6.60 for A; 5000 + 6000.01 for B (above the threshold within the window).
      for (const amount of ['1.10', '2.20', '3.30']) await deposit('int-A', amount);
      await deposit('int-B', '5000', { 'idempotency-key': 'int-key-1' });
      await deposit('int-B', '6000.01');

      const readModels = new DynamoReadModelStore(testDocumentClient(), runtime.tableName);
      await expect
        .poll(async () => (await readModels.getView('int-A'))?.balanceMinor, { timeout: 5_000 })
        .toBe(660n);
      await expect
        .poll(async () => (await readModels.getView('int-B'))?.balanceMinor, { timeout: 5_000 })
        .toBe(1_100_001n);
      expect((await readModels.getView('int-B'))?.depositCount).toBe(2);
      await runtime.whenProjected();

      const records = delivered.flatMap((event) => event.Records);
      // Only the five event items rang the doorbell: no idempotency record, no view write.
      expect(records.map((record) => record.dynamodb?.Keys?.pk?.S).sort()).toEqual([
        'WALLET#int-A',
        'WALLET#int-A',
        'WALLET#int-A',
        'WALLET#int-B',
        'WALLET#int-B',
      ]);
      expect(delivered.every((event) => event.Records.length <= projectTrigger.batchSize)).toBe(true);
      const nowSeconds = Date.now() / 1000;
      for (const record of records) {
        expect(record).toEqual({
          eventID: expect.any(String),
          eventName: 'INSERT',
          eventVersion: '1.1',
          eventSource: 'aws:dynamodb',
          awsRegion: expect.any(String),
          dynamodb: {
            ApproximateCreationDateTime: expect.any(Number),
            Keys: {
              pk: { S: expect.stringMatching(/^WALLET#/) },
              sk: { S: expect.stringMatching(/^EVENT#/) },
            },
            // The event item itself (a NEW_IMAGE stream): the projector folds it without a read.
            NewImage: expect.objectContaining({
              pk: { S: expect.stringMatching(/^WALLET#/) },
              sk: { S: expect.stringMatching(/^EVENT#/) },
              type: { S: 'Deposited' },
              hash: { S: expect.any(String) },
            }),
            SequenceNumber: expect.stringMatching(/^\d+$/),
            SizeBytes: expect.any(Number),
            StreamViewType: 'NEW_IMAGE',
          },
          eventSourceARN: runtime.streamArn,
        });
        expect(Math.abs((record.dynamodb?.ApproximateCreationDateTime ?? 0) - nowSeconds)).toBeLessThan(120);
      }
    } finally {
      await runtime.stop();
    }
  });

  it('hands each consumer of the stream every record, cut into batches of its batchSize', async () => {
    const { tableName, streamArn } = await freshTable();
    const small: number[][] = [];
    const large: number[][] = [];
    const poller = startPoller(streamArn, [
      {
        spec: fakeSpec,
        trigger: trigger({ batchSize: 2 }),
        handler: async (event) => {
          small.push(versionsOf((event as DynamoDBStreamEvent).Records));
        },
      },
      {
        spec: fakeSpec,
        trigger: trigger(),
        handler: async (event) => {
          large.push(versionsOf((event as DynamoDBStreamEvent).Records));
        },
      },
    ]);
    await putEvents(tableName, 'batches', 5);
    await expect.poll(() => small.flat().length, { timeout: 5_000 }).toBe(5);
    await poller.whenIdle();
    expect(small.flat()).toEqual([1, 2, 3, 4, 5]);
    expect(small.every((batch) => batch.length >= 1 && batch.length <= 2)).toBe(true);
    expect(large.flat()).toEqual([1, 2, 3, 4, 5]);
  });

  it('whenIdle resolves only after everything written before it was delivered', async () => {
    const { tableName, streamArn } = await freshTable();
    const seen: number[] = [];
    const poller = startPoller(streamArn, [
      {
        spec: fakeSpec,
        trigger: trigger(),
        handler: async (event) => {
          await new Promise((resolve) => setTimeout(resolve, 30)); // a slow consumer
          seen.push(...versionsOf((event as DynamoDBStreamEvent).Records));
        },
      },
    ]);
    await poller.whenIdle();
    await putEvents(tableName, 'idle', 7);
    await poller.whenIdle();
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});

describe('stream poller retry semantics (fake handler)', () => {
  it('retries from the first failed record of a partial batch response, then moves on', async () => {
    const { tableName, streamArn } = await freshTable();
    await putEvents(tableName, 'partial', 5);
    const invocations: number[][] = [];
    const failures: StreamBatchFailure[] = [];
    const poller = startPoller(
      streamArn,
      [
        {
          spec: fakeSpec,
          trigger: trigger(),
          handler: async (event): Promise<DynamoDBBatchResponse> => {
            const records = (event as DynamoDBStreamEvent).Records;
            invocations.push(versionsOf(records));
            if (invocations.length > 1) return { batchItemFailures: [] };
            // Records 5 and 3 failed (reported out of order): the retry starts at 3, the lowest.
            const failed = [records[4], records[2]].map((record) => ({
              itemIdentifier: record?.dynamodb?.SequenceNumber ?? '',
            }));
            return { batchItemFailures: failed };
          },
        },
      ],
      (failure) => failures.push(failure),
    );
    await expect.poll(() => invocations.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
    await poller.whenIdle();
    expect(invocations).toEqual([
      [1, 2, 3, 4, 5],
      [3, 4, 5],
    ]);
    expect(failures).toEqual([]);
  });

  it('gives up after retryAttempts retries, reports the batch like an on-failure destination, and continues', async () => {
    const { tableName, streamArn } = await freshTable();
    await putEvents(tableName, 'poison', 3);
    const invocations: number[][] = [];
    const failures: { failure: StreamBatchFailure; records: DynamoDBRecord[] }[] = [];
    const poller = startPoller(
      streamArn,
      [
        {
          spec: fakeSpec,
          trigger: trigger({ retryAttempts: 2 }),
          handler: async (event): Promise<DynamoDBBatchResponse> => {
            const records = (event as DynamoDBStreamEvent).Records;
            invocations.push(versionsOf(records));
            // Version 2 never succeeds; version 4 (written later) must still be delivered.
            const poison = records.find((record) => versionsOf([record])[0] === 2);
            if (poison === undefined) return { batchItemFailures: [] };
            return { batchItemFailures: [{ itemIdentifier: poison.dynamodb?.SequenceNumber ?? '' }] };
          },
        },
      ],
      (failure, records) => failures.push({ failure, records }),
    );
    await expect.poll(() => failures.length, { timeout: 5_000 }).toBe(1);
    await putEvents(tableName, 'poison', 1, 4);
    await poller.whenIdle();
    // One try and two retries from the poison record; then the next record is delivered.
    expect(invocations).toEqual([[1, 2, 3], [2, 3], [2, 3], [4]]);
    const [reported] = failures;
    expect(versionsOf(reported?.records ?? [])).toEqual([2, 3]);
    expect(reported?.failure).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3 },
      DDBStreamBatchInfo: {
        batchSize: 2,
        streamArn,
        startSequenceNumber: reported?.records[0]?.dynamodb?.SequenceNumber,
        endSequenceNumber: reported?.records[1]?.dynamodb?.SequenceNumber,
      },
    });
    expect(poller.stats.failedBatches).toBe(1);
  });

  it('retries the whole batch when the handler throws or names no record it was given', async () => {
    const { tableName, streamArn } = await freshTable();
    await putEvents(tableName, 'whole', 3);
    const invocations: number[][] = [];
    const poller = startPoller(streamArn, [
      {
        spec: fakeSpec,
        trigger: trigger({ retryAttempts: 5 }),
        handler: async (event): Promise<DynamoDBBatchResponse> => {
          invocations.push(versionsOf((event as DynamoDBStreamEvent).Records));
          if (invocations.length === 1) throw new Error('boom');
          if (invocations.length === 2)
            return { batchItemFailures: [{ itemIdentifier: 'not-a-sequence-number' }] };
          if (invocations.length === 3) return { batchItemFailures: [{ itemIdentifier: '' }] };
          return { batchItemFailures: [] };
        },
      },
    ]);
    await expect.poll(() => invocations.length, { timeout: 5_000 }).toBe(4);
    await poller.whenIdle();
    expect(invocations).toEqual([
      [1, 2, 3],
      [1, 2, 3],
      [1, 2, 3],
      [1, 2, 3],
    ]);
    expect(poller.stats.failedBatches).toBe(0);
  });
});
