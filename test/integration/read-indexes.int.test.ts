import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createDocumentClient } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoEventStore } from '../../functions/adapters/dynamodb/event-store.ts';
import { DynamoReadModelStore } from '../../functions/adapters/dynamodb/read-models.ts';
import { toIndexedItem } from '../../functions/adapters/dynamodb/table-layout/read-index-items.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../functions/adapters/local/dynamodb-local.ts';
import { pointsExplained } from '../../functions/app/queries/points.ts';
import { ensureTable } from '../../functions/local/table.ts';
import { expectListingsEqual, history, type Op } from '../support/read-index-history.ts';

/**
 * The award and correction indexes on DynamoDB Local: written in the events' transactions (in the
 * shard lane's own partition for a shard lane), and every listing through them equal to the log.
 */
const tableName = `tally-int-read-idx-${randomUUID().slice(0, 8)}`;
let raw: DynamoDBClient;
const documents = () => createDocumentClient({ endpoint: inject('dynamodbEndpoint'), region: LOCAL_REGION });

beforeAll(async () => {
  raw = new DynamoDBClient({
    endpoint: inject('dynamodbEndpoint'),
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  await ensureTable(raw, tableName);
});
afterAll(async () => {
  await raw?.send(new DeleteTableCommand({ TableName: tableName }));
  raw?.destroy();
});

it('writes award ranges and correction links with the events, and lists through them what the log lists', async () => {
  const store = new DynamoEventStore(documents(), tableName);
  const ops: Op[] = [
    { kind: 'deposit', amountMinor: 500n, lane: 0 },
    { kind: 'fact', type: 'answer_is_liked', qty: 0, lane: 0 },
    { kind: 'fact', type: 'trade', qty: 12, lane: 1 },
    { kind: 'fact', type: 'answer_is_liked', qty: 0, lane: 33 },
    { kind: 'fact', type: 'question_asked', qty: 3, lane: 0 },
    { kind: 'correct', pick: 1, action: 'void', qty: 0 },
    { kind: 'correct', pick: 2, action: 'amend', qty: 20 },
    { kind: 'correct', pick: 0, action: 'amend', qty: 7 },
  ];
  await history(store, ops, true);
  expect(await store.indexes.indexed('w1')).toBe(true);
  const documentsClient = documents();
  const keysOf = async (pk: string, prefix: string) =>
    (
      await documentsClient.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
        }),
      )
    ).Items?.map((item) => String(item.sk)) ?? [];
  // The marker is the first event's attribute, not an item of its own (2 write units less in AWS).
  expect(await keysOf('WALLET#w1', 'INDEXED')).toEqual([]);
  const first = await documentsClient.send(
    new GetCommand({ TableName: tableName, Key: { pk: 'WALLET#w1', sk: 'EVENT#00#000000000001' } }),
  );
  expect(first.Item?.indexed).toBe(true);
  const second = await documentsClient.send(
    new GetCommand({ TableName: tableName, Key: { pk: 'WALLET#w1', sk: 'EVENT#00#000000000002' } }),
  );
  expect(second.Item?.indexed).toBeUndefined();
  // The shard lane's awards sit in its own partition, with its events.
  expect(await keysOf('WALLET#w1#33', 'AWARDS#33#')).toEqual(['AWARDS#33#000000000002']);
  expect(await keysOf('WALLET#w1', 'AWARDS#01#')).toEqual(['AWARDS#01#000000000002']);
  // Three corrections, each linked under the event it names.
  expect(await keysOf('WALLET#w1', 'CORRECTED#')).toHaveLength(3);
  await expectListingsEqual(store, new DynamoReadModelStore(documents(), tableName), [1, 2, 200]);
});

it('leaves a wallet begun without the indexes to the log, with the same answers', async () => {
  const store = new DynamoEventStore(documents(), tableName);
  const head = await store.head('legacy', 0);
  const outcome = await store.append({
    walletId: 'legacy',
    lane: 0,
    expected: head,
    events: [
      {
        type: 'FactRecorded',
        data: { factId: 'f1', source: 'app', factType: 'answer_is_liked', occurredAtMs: 1, dataJson: '{}' },
        eventId: 'e1',
        recordedAtMs: 1,
      },
      {
        type: 'PointsAwarded',
        data: { points: 250n, factId: 'f1', ruleId: 'r', ruleSetVersion: 0, ruleTextHash: 'ab'.repeat(32) },
        eventId: 'e2',
        recordedAtMs: 1,
      },
    ],
  });
  expect(outcome.kind).toBe('appended');
  expect(await store.indexes.indexed('legacy')).toBe(false);
  const page = await pointsExplained(store, 'legacy', {
    limit: 5,
    from: { lane: 0, version: 1 },
    continued: false,
  });
  expect(page?.items.map((entry) => entry.award.data.points)).toEqual([250n]);
});

it('still reads the INDEXED item of a wallet begun while the marker was an item', async () => {
  const store = new DynamoEventStore(documents(), tableName);
  const outcome = await store.append({
    walletId: 'marker-item',
    lane: 0,
    expected: { version: 0, hash: '' },
    events: [
      { type: 'Deposited', data: { amountMinor: 1n, occurredAtMs: 1 }, eventId: 'm1', recordedAtMs: 1 },
    ],
  });
  expect(outcome.kind).toBe('appended');
  expect(await store.indexes.indexed('marker-item')).toBe(false);
  await documents().send(new PutCommand({ TableName: tableName, Item: toIndexedItem('marker-item') }));
  expect(await store.indexes.indexed('marker-item')).toBe(true);
});
