import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoSnapshotStore, SNAPSHOTS_KEPT } from '#adapters/dynamodb/snapshots.ts';
import { toViewItem } from '#adapters/dynamodb/table-layout/view-item.ts';
import { emptyView, type WalletView } from '#domain/wallet-view.ts';

const TABLE = 'tally-test';
const ddbMock = mockClient(DynamoDBDocumentClient);
const snapshots = new DynamoSnapshotStore(
  DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
  TABLE,
);

beforeEach(() => ddbMock.reset());

const VIEW: WalletView = {
  ...emptyView('w1', { thresholdMinor: 100n, windowMs: 60_000, retainMax: 4 }),
  lanes: [40, 2],
  eventCount: 42,
  balanceMinor: 4_200n,
  depositCount: 42,
};
/** What the document client returns with wrapNumbers: every number as its decimal text. */
function asReturned(value: unknown): unknown {
  if (typeof value === 'number' || typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(asReturned);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, asReturned(entry)]));
  }
  return value;
}
const sk = (eventCount: number) => `SNAPSHOT#${String(eventCount).padStart(12, '0')}`;

describe('DynamoSnapshotStore.put', () => {
  it('puts the view item under its SNAPSHOT# key, then deletes all but the newest three', async () => {
    ddbMock.on(PutCommand).resolves({});
    ddbMock.on(QueryCommand).resolves({
      Items: [42, 30, 20, 10, 5].map((count) => ({ pk: 'WALLET#w1', sk: sk(count) })),
    });
    ddbMock.on(BatchWriteCommand).resolves({});
    await snapshots.put(VIEW);

    expect(ddbMock.commandCalls(PutCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Item: { ...toViewItem(VIEW), sk: sk(42), kind: 'snapshot' },
    });
    expect(ddbMock.commandCalls(QueryCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': 'WALLET#w1', ':from': sk(0), ':to': sk(999_999_999_999) },
      ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
      ProjectionExpression: '#pk, #sk',
      ScanIndexForward: false,
      Limit: SNAPSHOTS_KEPT + 25,
      ConsistentRead: true,
    });
    expect(ddbMock.commandCalls(BatchWriteCommand)[0]?.args[0].input).toEqual({
      RequestItems: {
        [TABLE]: [10, 5].map((count) => ({ DeleteRequest: { Key: { pk: 'WALLET#w1', sk: sk(count) } } })),
      },
    });
  });

  it('deletes nothing while the wallet has at most three snapshots', async () => {
    ddbMock.on(PutCommand).resolves({});
    ddbMock.on(QueryCommand).resolves({ Items: [{ pk: 'WALLET#w1', sk: sk(42) }] });
    await snapshots.put(VIEW);
    expect(ddbMock.commandCalls(BatchWriteCommand)).toHaveLength(0);
  });
});

describe('DynamoSnapshotStore.latest', () => {
  it('queries the newest snapshot holding at most maxEventCount events, and parses it as a view', async () => {
    ddbMock.on(QueryCommand).resolves({
      Items: [asReturned({ ...toViewItem(VIEW), sk: sk(42), kind: 'snapshot' }) as Record<string, unknown>],
    });
    await expect(snapshots.latest('w1', 50)).resolves.toEqual(VIEW);
    expect(ddbMock.commandCalls(QueryCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': 'WALLET#w1', ':from': sk(0), ':to': sk(50) },
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: true,
    });
  });

  it('is undefined without a snapshot, and without a query for a negative bound', async () => {
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    await expect(snapshots.latest('w1')).resolves.toBeUndefined();
    await expect(snapshots.latest('w1', -1)).resolves.toBeUndefined();
    expect(ddbMock.commandCalls(QueryCommand)).toHaveLength(1);
  });
});
