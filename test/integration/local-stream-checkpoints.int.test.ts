import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DeleteTableCommand, type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../functions/adapters/local/dynamodb-local.ts';
import {
  FileCheckpointStore,
  MemoryCheckpointStore,
  type StreamCheckpointStore,
} from '../../functions/local/stream-checkpoints.ts';
import { StreamPoller } from '../../functions/local/stream-poller.ts';
import { ensureTable } from '../../functions/local/table.ts';
import { EVENT_ITEMS_FILTER, type FunctionSpec } from '../../lib/wiring.ts';
import { dynamodbEndpoint, testDynamoDbClient, uniqueTableName } from '../support/local.ts';

/**
 * A restart of the stream poller resumes where the last one stopped (issue 10 §4.3): the records
 * delivered before are not delivered again, and those written while it was down are.
 */
let dynamodb: DynamoDBClient;
let streams: DynamoDBStreamsClient;
const tables: string[] = [];
let dir: string;

beforeAll(async () => {
  dynamodb = testDynamoDbClient();
  streams = new DynamoDBStreamsClient({
    endpoint: dynamodbEndpoint(),
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  dir = await mkdtemp(path.join(tmpdir(), 'tally-checkpoints-'));
});

afterAll(async () => {
  await Promise.all(tables.map((name) => dynamodb.send(new DeleteTableCommand({ TableName: name }))));
  dynamodb.destroy();
  streams.destroy();
  await rm(dir, { recursive: true, force: true });
});

const spec: FunctionSpec = {
  name: 'fake-projector',
  entry: 'unused.ts',
  description: 'test double',
  memoryMb: 128,
  timeoutSeconds: 5,
  tableAccess: 'read',
};

async function freshTable(): Promise<{ tableName: string; streamArn: string }> {
  const tableName = uniqueTableName('tally-ckpt');
  tables.push(tableName);
  return { tableName, streamArn: (await ensureTable(dynamodb, tableName)).streamArn };
}

async function putEvents(tableName: string, from: number, count: number): Promise<void> {
  for (let n = from; n < from + count; n++) {
    const Item = { pk: { S: 'WALLET#w' }, sk: { S: `EVENT#0#${String(n).padStart(6, '0')}` } };
    await dynamodb.send(new PutItemCommand({ TableName: tableName, Item }));
  }
}

/** A poller run: delivers into `seen` until stopped. */
function run(streamArn: string, checkpoints: StreamCheckpointStore, seen: number[]): StreamPoller {
  const poller = new StreamPoller({
    client: streams,
    streamArn,
    region: LOCAL_REGION,
    checkpoints,
    checkpointIntervalMs: 20,
    log: () => undefined,
    consumers: [
      {
        spec,
        trigger: {
          kind: 'table-stream',
          filter: EVENT_ITEMS_FILTER,
          batchSize: 100,
          maxBatchingWindowSeconds: 0,
          retryAttempts: 1,
        },
        handler: async (event) => {
          for (const record of (event as DynamoDBStreamEvent).Records) {
            seen.push(Number(/(\d+)$/.exec(record.dynamodb?.Keys?.sk?.S ?? '')?.[1]));
          }
        },
      },
    ],
  });
  poller.start();
  return poller;
}

describe('stream poller checkpoints', () => {
  it('resumes after the last delivered record: nothing twice, nothing written while down is missed', async () => {
    const { tableName, streamArn } = await freshTable();
    const store = new MemoryCheckpointStore();
    const first: number[] = [];
    await putEvents(tableName, 1, 20);
    const before = run(streamArn, store, first);
    await before.whenIdle();
    await before.stop();
    expect(first).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));

    await putEvents(tableName, 21, 5); // written while the poller was down
    const second: number[] = [];
    const after = run(streamArn, store, second);
    await after.whenIdle();
    await after.stop();
    expect(second).toEqual([21, 22, 23, 24, 25]);
    expect(after.stats.resumedShards).toBeGreaterThan(0);
  });

  it('starts at TRIM_HORIZON without a checkpoint, and for another stream’s checkpoint file', async () => {
    const { tableName, streamArn } = await freshTable();
    await putEvents(tableName, 1, 3);
    const file = path.join(dir, 'other.json');
    await writeFile(
      file,
      JSON.stringify({ streamArn: 'arn:another-stream', shards: { x: { sequenceNumber: '9' } } }),
    );
    const seen: number[] = [];
    const poller = run(streamArn, new FileCheckpointStore(file), seen);
    await poller.whenIdle();
    await poller.stop();
    expect(seen).toEqual([1, 2, 3]);
    // The file now names this stream, and a second run delivers nothing again.
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ streamArn });
    const again: number[] = [];
    const restarted = run(streamArn, new FileCheckpointStore(file), again);
    await restarted.whenIdle();
    await restarted.stop();
    expect(again).toEqual([]);
  });
});
