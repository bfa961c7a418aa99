import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ThrottlingException,
  TransactionConflictException,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoEventStore } from '#adapters/dynamodb/event-store.ts';
import { DynamoEventStoreBase } from '#adapters/dynamodb/event-store-base.ts';
import type { AppendRequest } from '#ports/event-store.ts';

const ddbMock = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const store = new DynamoEventStore(client, 't');
afterEach(() => ddbMock.reset());

const deposit = (eventId: string) => ({
  type: 'Deposited' as const,
  data: { amountMinor: 100n, occurredAtMs: 1_000 },
  eventId,
  recordedAtMs: 1_000,
});
const keyless: AppendRequest = {
  walletId: 'w1',
  lane: 0,
  expected: { version: 4, hash: 'h4' },
  events: [deposit('e5')],
};
const winner = {
  pk: { S: 'WALLET#w1' },
  sk: { S: 'EVENT#00#000000000005' },
  kind: { S: 'event' },
  walletId: { S: 'w1' },
  lane: { N: '0' },
  version: { N: '5' },
  eventId: { S: 'e-rival' },
  type: { S: 'Deposited' },
  data: { M: { amountMinor: { N: '7' }, occurredAtMs: { N: '5' } } },
  recordedAtMs: { N: '5' },
  hash: { S: 'hash-5' },
  prevHash: { S: 'h4' },
};

describe('DynamoEventStore.append of one item (write-items.ts)', () => {
  it('is one conditional PutItem, create-only, asking for the winner on a lost race', async () => {
    ddbMock.on(PutCommand).resolves({});
    const outcome = await store.append(keyless);
    expect(outcome).toMatchObject({ kind: 'appended', head: { version: 5 } });
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
    const [put] = ddbMock.commandCalls(PutCommand);
    expect(put?.args[0].input).toMatchObject({
      TableName: 't',
      ConditionExpression: 'attribute_not_exists(pk)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      Item: { pk: 'WALLET#w1', sk: 'EVENT#00#000000000005', eventId: 'e5' },
    });
  });

  it('stays a transaction with a key, with two events, or when it opens a lane without registerFirst', async () => {
    ddbMock.on(TransactWriteCommand).resolves({});
    await store.append({
      ...keyless,
      idempotency: { key: 'k', payloadHash: 'p', response: { statusCode: 201, body: '{}' } },
    });
    await store.append({ ...keyless, events: [deposit('a'), deposit('b')] });
    await new DynamoEventStoreBase(client, 't').append({
      ...keyless,
      lane: 40,
      expected: { version: 0, hash: '' },
    });
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(0);
    expect(
      ddbMock.commandCalls(TransactWriteCommand).map((call) => call.args[0].input.TransactItems?.length),
    ).toEqual([2, 2, 2]);
  });

  it('opens a lane with one put after registerFirst (the registration is not in it)', async () => {
    ddbMock.on(UpdateCommand).resolves({ Attributes: { lanes: new Set(['40']) } });
    ddbMock.on(PutCommand).resolves({});
    await store.append({ ...keyless, lane: 40, expected: { version: 0, hash: '' } });
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(1);
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(1);
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('reports a lost race as the transaction did: version-taken with the winner', async () => {
    ddbMock
      .on(PutCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: {}, Item: winner }));
    await expect(store.append(keyless)).rejects.toMatchObject({
      name: 'VersionConflictError',
      reason: 'version-taken',
      taken: { version: 5, hash: 'hash-5' },
    });
  });

  it('reports a put that met a transaction as transaction-conflict, and passes other errors on', async () => {
    ddbMock.on(PutCommand).rejects(new TransactionConflictException({ message: 'conflict', $metadata: {} }));
    await expect(store.append(keyless)).rejects.toMatchObject({
      name: 'VersionConflictError',
      reason: 'transaction-conflict',
    });
    const throttled = new ThrottlingException({ message: 'slow down', $metadata: {} });
    ddbMock.on(PutCommand).rejects(throttled);
    await expect(store.append(keyless)).rejects.toBe(throttled);
  });
});
