import { createHash } from 'node:crypto';
import {
  type CancellationReason,
  ConditionalCheckFailedException,
  ProvisionedThroughputExceededException,
  ThrottlingException,
  TransactionCanceledException,
  TransactionConflictException,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { allCustomMatcher } from 'aws-sdk-client-mock-vitest';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventHash } from '#adapters/dynamodb/event-hash.ts';
import { DynamoEventStore } from '#adapters/dynamodb/event-store.ts';
import { DynamoEventStoreBase } from '#adapters/dynamodb/event-store-base.ts';
import { readAll } from '#app/read-events.ts';
import { type AppendRequest, VersionConflictError } from '#ports/event-store.ts';

expect.extend(allCustomMatcher);

const TABLE = 'tally-test';
const ddbMock = mockClient(DynamoDBDocumentClient);
// The mock replaces `send` on the prototype, so any document client instance will do.
const client = DynamoDBDocumentClient.from(
  new (await import('@aws-sdk/client-dynamodb')).DynamoDBClient({ region: 'us-east-1' }),
);
const store = new DynamoEventStore(client, TABLE);

beforeEach(() => ddbMock.reset());
afterEach(() => ddbMock.reset());

const RESPONSE = { statusCode: 201, body: '{"WalletID":"w1","Amount":8000}' };

const request = (overrides: Partial<AppendRequest> = {}): AppendRequest => ({
  walletId: 'w1',
  lane: 0,
  expected: { version: 0, hash: '' },
  events: [
    {
      type: 'Deposited',
      data: { amountMinor: 800_000n, occurredAtMs: 1_000 },
      eventId: 'e1',
      recordedAtMs: 1_000,
    },
  ],
  idempotency: { key: 'k', payloadHash: 'ph-1', response: RESPONSE },
  ...overrides,
});

const cancelled = (reasons: CancellationReason[]): TransactionCanceledException =>
  new TransactionCanceledException({
    message: 'Transaction cancelled, please refer cancellation reasons for specific reasons',
    $metadata: {},
    CancellationReasons: reasons,
  });

/** The idempotency item as DynamoDB returns it in a cancellation reason: a marshalled AttributeValue map. */
const marshalledRecord = (payloadHash: string) => ({
  pk: { S: 'IDEMPOTENCY#k' },
  sk: { S: 'IDEMPOTENCY' },
  kind: { S: 'idempotency' },
  key: { S: 'k' },
  payloadHash: { S: payloadHash },
  walletId: { S: 'w1' },
  versions: { L: [{ N: '3' }] },
  eventIds: { L: [{ S: 'e-original' }] },
  statusCode: { N: '201' },
  body: { S: '{"original":true}' },
  recordedAtMs: { N: '900' },
});

const ORIGINAL = {
  key: 'k',
  payloadHash: 'ph-1',
  walletId: 'w1',
  versions: [3],
  eventIds: ['e-original'],
  response: { statusCode: 201, body: '{"original":true}' },
  recordedAtMs: 900,
};

/** An event item as the document client returns it (numbers as decimal text: wrapNumbers). */
const eventItem = (version: number, hash = `h${version}`, prevHash = `h${version - 1}`, lane = 0) => ({
  pk: 'WALLET#w1',
  sk: `EVENT#${String(lane).padStart(2, '0')}#${String(version).padStart(12, '0')}`,
  kind: 'event',
  walletId: 'w1',
  lane: String(lane),
  version: String(version),
  eventId: `e${version}`,
  type: 'Deposited',
  data: { amountMinor: '100', occurredAtMs: String(version * 10) },
  recordedAtMs: '5',
  hash,
  prevHash,
});

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('DynamoEventStore.append', () => {
  it('sends one TransactWriteCommand: the event Put and the idempotency Put, both create-only', async () => {
    ddbMock.on(TransactWriteCommand).resolves({});
    const outcome = await store.append(request());

    const recorded = {
      type: 'Deposited' as const,
      data: { amountMinor: 800_000n, occurredAtMs: 1_000 },
      eventId: 'e1',
      recordedAtMs: 1_000,
      walletId: 'w1',
      lane: 0,
      version: 1,
      idempotencyKey: 'k',
    };
    const hash = eventHash('', recorded);
    expect(ddbMock).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    expect(ddbMock.calls()).toHaveLength(1);
    expect(ddbMock.commandCalls(TransactWriteCommand)[0]?.args[0].input).toEqual({
      TransactItems: [
        {
          Put: {
            TableName: TABLE,
            Item: {
              pk: 'WALLET#w1',
              sk: 'EVENT#00#000000000001',
              kind: 'event',
              walletId: 'w1',
              lane: 0,
              version: 1,
              eventId: 'e1',
              type: 'Deposited',
              data: { amountMinor: 800_000n, occurredAtMs: 1_000 },
              recordedAtMs: 1_000,
              idempotencyKey: 'k',
              prevHash: '',
              hash,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        {
          Put: {
            TableName: TABLE,
            Item: {
              pk: 'IDEMPOTENCY#k',
              sk: 'IDEMPOTENCY',
              kind: 'idempotency',
              key: 'k',
              payloadHash: 'ph-1',
              walletId: 'w1',
              versions: [1],
              eventIds: ['e1'],
              statusCode: 201,
              body: RESPONSE.body,
              recordedAtMs: 1_000,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
      ],
    });
    expect(outcome).toEqual({ kind: 'appended', events: [recorded], head: { version: 1, hash } });
  });

  it('hashes the whole canonical event, lane included, over the previous hash (sha256 of prev, newline, sorted JSON)', async () => {
    // event-hash.ts: "editing any stored event breaks the chain" — so the lane must be covered too.
    ddbMock.on(TransactWriteCommand).resolves({});
    await store.append(request({ expected: { version: 4, hash: 'prev' } }));
    const canonical =
      '{"data":{"amountMinor":"800000","occurredAtMs":1000},"eventId":"e1","idempotencyKey":"k",' +
      '"lane":0,"recordedAtMs":1000,"type":"Deposited","version":5,"walletId":"w1"}';
    const expected = createHash('sha256').update('prev\n').update(canonical).digest('hex');
    const put = ddbMock.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems?.[0]?.Put;
    expect(put?.Item).toMatchObject({
      sk: 'EVENT#00#000000000005',
      version: 5,
      prevHash: 'prev',
      hash: expected,
    });
  });

  it('chains several events of one append and writes no idempotency item without a key', async () => {
    ddbMock.on(TransactWriteCommand).resolves({});
    const events = [
      {
        type: 'Deposited' as const,
        data: { amountMinor: 1n, occurredAtMs: 1 },
        eventId: 'a',
        recordedAtMs: 7,
      },
      {
        type: 'Deposited' as const,
        data: { amountMinor: 2n, occurredAtMs: 2 },
        eventId: 'b',
        recordedAtMs: 7,
      },
    ];
    const { idempotency: _none, ...withoutKey } = request({ events, expected: { version: 2, hash: 'h2' } });
    const outcome = await store.append(withoutKey);
    const items = ddbMock.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items).toHaveLength(2);
    expect(items.map((item) => item.Put?.Item?.sk)).toEqual([
      'EVENT#00#000000000003',
      'EVENT#00#000000000004',
    ]);
    expect(items[0]?.Put?.Item?.prevHash).toBe('h2');
    expect(items[1]?.Put?.Item?.prevHash).toBe(items[0]?.Put?.Item?.hash);
    expect(items.every((item) => item.Put?.ConditionExpression === 'attribute_not_exists(pk)')).toBe(true);
    expect(items.some((item) => item.Put?.Item?.pk === 'IDEMPOTENCY#k')).toBe(false);
    expect(outcome.kind === 'appended' && outcome.events.map((event) => event.version)).toEqual([3, 4]);
    expect(outcome.kind === 'appended' && outcome.head).toEqual({
      version: 4,
      hash: items[1]?.Put?.Item?.hash,
    });
  });

  it('refuses an empty append, one over 98 events, and a lane out of range, without calling DynamoDB', async () => {
    await expect(store.append(request({ events: [] }))).rejects.toThrow('1 to 98 events per call, got 0');
    const event = request().events[0];
    if (event === undefined) throw new Error('fixture');
    await expect(store.append(request({ events: Array.from({ length: 99 }, () => event) }))).rejects.toThrow(
      'got 99',
    );
    await expect(store.append(request({ lane: 64 }))).rejects.toThrow('append: no lane 64');
    await expect(store.append(request({ lane: -1 }))).rejects.toThrow('append: no lane -1');
    expect(ddbMock.calls()).toHaveLength(0);
  });

  it('registers a new lane with an UpdateItem before the transaction that writes its version 1 (registerFirst handed in)', async () => {
    ddbMock.on(UpdateCommand).resolves({ Attributes: { lanes: new Set(['3']) } });
    ddbMock.on(TransactWriteCommand).resolves({});
    await store.append(request({ lane: 3 }));
    expect(ddbMock.calls().map((call) => call.args[0].constructor.name)).toEqual([
      'UpdateCommand',
      'TransactWriteCommand',
    ]);
    expect(ddbMock.commandCalls(UpdateCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Key: { pk: 'WALLET#w1', sk: 'LANES' },
      UpdateExpression: 'ADD lanes :lane',
      ExpressionAttributeValues: { ':lane': new Set([3]) },
      ReturnValues: 'UPDATED_NEW',
    });
    // The transaction no longer touches the LANES item: the event and the key only.
    const items = ddbMock.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items).toHaveLength(2);
    expect(items[0]?.Put?.Item).toMatchObject({ sk: 'EVENT#03#000000000001', lane: 3, version: 1 });
    expect(items[1]?.Put?.Item).toMatchObject({ pk: 'IDEMPOTENCY#k' });
  });

  it('registers a new lane in the transaction of its version 1 when registerFirst is not handed in', async () => {
    ddbMock.on(TransactWriteCommand).resolves({});
    await new DynamoEventStoreBase(client, TABLE).append(request({ lane: 3 }));
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
    const items = ddbMock.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items).toHaveLength(3);
    expect(items[0]?.Put?.Item).toMatchObject({ sk: 'EVENT#03#000000000001', lane: 3, version: 1 });
    expect(items[1]).toEqual({
      Update: {
        TableName: TABLE,
        Key: { pk: 'WALLET#w1', sk: 'LANES' },
        UpdateExpression: 'ADD lanes :lane',
        ExpressionAttributeValues: { ':lane': new Set([3]) },
      },
    });
    expect(items[2]?.Put?.Item).toMatchObject({ pk: 'IDEMPOTENCY#k' });
  });

  it('opens a lane for a keyless credit with the registration and one conditional PutItem, no transaction', async () => {
    ddbMock.on(UpdateCommand).resolves({ Attributes: { lanes: new Set(['40']) } });
    ddbMock.on(PutCommand).resolves({});
    const { idempotency: _, ...keyless } = request({ lane: 40 });
    await store.append(keyless);
    expect(ddbMock.calls().map((call) => call.args[0].constructor.name)).toEqual([
      'UpdateCommand',
      'PutCommand',
    ]);
    expect(ddbMock.commandCalls(PutCommand)[0]?.args[0].input.Item).toMatchObject({
      pk: 'WALLET#w1#40',
      lane: 40,
      version: 1,
    });
  });

  it('a lost opening reports the registered lanes (from the registration) with the winner', async () => {
    ddbMock.on(UpdateCommand).resolves({ Attributes: { lanes: new Set(['33', '40', '41']) } });
    ddbMock
      .on(TransactWriteCommand)
      .rejects(cancelled([{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }]));
    const error = await rejectionOf(store.append(request({ lane: 40 })));
    expect(error).toBeInstanceOf(VersionConflictError);
    expect(error).toMatchObject({ lane: 40, reason: 'version-taken', registered: [0, 33, 40, 41] });
  });

  it('maps a TransactionConflict on the registration (a group transaction registering) to a version conflict', async () => {
    ddbMock
      .on(UpdateCommand)
      .rejects(new TransactionConflictException({ message: 'conflict', $metadata: {} }));
    const error = await rejectionOf(store.append(request({ lane: 40 })));
    expect(error).toBeInstanceOf(VersionConflictError);
    expect(error).toMatchObject({ lane: 40, expectedVersion: 0, reason: 'transaction-conflict' });
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('does not register lane 0, nor a lane that already has events', async () => {
    ddbMock.on(TransactWriteCommand).resolves({});
    await store.append(request({ lane: 0 }));
    await store.append(request({ lane: 3, expected: { version: 1, hash: 'h1' } }));
    for (const call of ddbMock.commandCalls(TransactWriteCommand)) {
      expect(call.args[0].input.TransactItems?.some((item) => item.Update !== undefined)).toBe(false);
    }
  });

  it('maps a used key on a new lane (cancellation reason of the last item) to duplicate', async () => {
    ddbMock.on(UpdateCommand).resolves({ Attributes: { lanes: new Set(['3']) } });
    ddbMock
      .on(TransactWriteCommand)
      .rejects(
        cancelled([{ Code: 'None' }, { Code: 'ConditionalCheckFailed', Item: marshalledRecord('ph-1') }]),
      );
    await expect(store.append(request({ lane: 3 }))).resolves.toEqual({
      kind: 'duplicate',
      record: ORIGINAL,
    });
  });

  it('maps [ConditionalCheckFailed, None] to VersionConflictError version-taken', async () => {
    ddbMock
      .on(TransactWriteCommand)
      .rejects(cancelled([{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }]));
    const error = await rejectionOf(store.append(request({ expected: { version: 6, hash: 'h6' } })));
    expect(error).toBeInstanceOf(VersionConflictError);
    expect(error).toMatchObject({ walletId: 'w1', lane: 0, expectedVersion: 6, reason: 'version-taken' });
  });

  it('reports the event that took the version when DynamoDB returns it (ALL_OLD)', async () => {
    const winner = {
      pk: { S: 'WALLET#w1' },
      sk: { S: 'EVENT#00#000000000007' },
      kind: { S: 'event' },
      walletId: { S: 'w1' },
      lane: { N: '0' },
      version: { N: '7' },
      eventId: { S: 'e-rival' },
      type: { S: 'Deposited' },
      data: { M: { amountMinor: { N: '100' }, occurredAtMs: { N: '5' } } },
      recordedAtMs: { N: '5' },
      hash: { S: 'hash-7' },
      prevHash: { S: 'hash-6' },
    };
    ddbMock
      .on(TransactWriteCommand)
      .rejects(cancelled([{ Code: 'ConditionalCheckFailed', Item: winner }, { Code: 'None' }]));
    const error = await rejectionOf(store.append(request({ expected: { version: 6, hash: 'hash-6' } })));
    expect(error).toBeInstanceOf(VersionConflictError);
    expect(error).toMatchObject({ reason: 'version-taken', taken: { version: 7, hash: 'hash-7' } });
  });

  it('maps a taken version without an idempotency key to version-taken', async () => {
    // One item, no key: a conditional PutItem, not a transaction (write-items.ts).
    ddbMock
      .on(PutCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );
    const { idempotency: _none, ...withoutKey } = request();
    const error = await rejectionOf(store.append(withoutKey));
    expect(error).toMatchObject({ name: 'VersionConflictError', reason: 'version-taken' });
  });

  it('maps [None, ConditionalCheckFailed + Item with the same payload hash] to duplicate', async () => {
    ddbMock
      .on(TransactWriteCommand)
      .rejects(
        cancelled([{ Code: 'None' }, { Code: 'ConditionalCheckFailed', Item: marshalledRecord('ph-1') }]),
      );
    await expect(store.append(request())).resolves.toEqual({ kind: 'duplicate', record: ORIGINAL });
    expect(ddbMock.calls()).toHaveLength(1);
  });

  it('maps [None, ConditionalCheckFailed + Item with another payload hash] to key-reused', async () => {
    ddbMock
      .on(TransactWriteCommand)
      .rejects(
        cancelled([{ Code: 'None' }, { Code: 'ConditionalCheckFailed', Item: marshalledRecord('ph-other') }]),
      );
    await expect(store.append(request())).resolves.toEqual({
      kind: 'key-reused',
      record: { ...ORIGINAL, payloadHash: 'ph-other' },
    });
  });

  it('lets the key decide when both the version and the key are taken (the twin committed)', async () => {
    ddbMock
      .on(TransactWriteCommand)
      .rejects(
        cancelled([
          { Code: 'ConditionalCheckFailed' },
          { Code: 'ConditionalCheckFailed', Item: marshalledRecord('ph-1') },
        ]),
      );
    await expect(store.append(request())).resolves.toEqual({ kind: 'duplicate', record: ORIGINAL });
  });

  it('reads the record with a consistent Get when the cancellation reason carries no Item', async () => {
    ddbMock
      .on(TransactWriteCommand)
      .rejects(cancelled([{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }]));
    ddbMock.on(GetCommand).resolves({
      Item: {
        pk: 'IDEMPOTENCY#k',
        sk: 'IDEMPOTENCY',
        key: 'k',
        payloadHash: 'ph-1',
        walletId: 'w1',
        versions: ['3'],
        eventIds: ['e-original'],
        statusCode: '201',
        body: '{"original":true}',
        recordedAtMs: '900',
      },
    });
    await expect(store.append(request())).resolves.toEqual({ kind: 'duplicate', record: ORIGINAL });
    expect(ddbMock).toHaveReceivedCommandWith(GetCommand, {
      TableName: TABLE,
      Key: { pk: 'IDEMPOTENCY#k', sk: 'IDEMPOTENCY' },
      ConsistentRead: true,
    });
  });

  it('maps [TransactionConflict, None] to VersionConflictError transaction-conflict', async () => {
    ddbMock.on(TransactWriteCommand).rejects(cancelled([{ Code: 'TransactionConflict' }, { Code: 'None' }]));
    const error = await rejectionOf(store.append(request()));
    expect(error).toBeInstanceOf(VersionConflictError);
    expect(error).toMatchObject({ reason: 'transaction-conflict', expectedVersion: 0 });
  });

  it.each([
    [
      'ProvisionedThroughputExceededException',
      () => new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }),
    ],
    ['ThrottlingException', () => new ThrottlingException({ message: 'slow down', $metadata: {} })],
  ])('lets %s propagate as it is, not as a conflict', async (_name, makeError) => {
    const thrown = makeError();
    ddbMock.on(TransactWriteCommand).rejects(thrown);
    const error = await rejectionOf(store.append(request()));
    expect(error).toBe(thrown);
    expect(error).not.toBeInstanceOf(VersionConflictError);
  });

  it('lets a cancellation for throttling propagate, not as a conflict', async () => {
    const thrown = cancelled([{ Code: 'ThrottlingError' }, { Code: 'None' }]);
    ddbMock.on(TransactWriteCommand).rejects(thrown);
    await expect(rejectionOf(store.append(request()))).resolves.toBe(thrown);
  });
});

describe('DynamoEventStore.head', () => {
  it('queries the newest event item only: descending, Limit 1, strongly consistent', async () => {
    ddbMock.on(QueryCommand).resolves({ Items: [eventItem(7, 'hash-7', 'hash-6')] });
    await expect(store.head('w1', 0)).resolves.toEqual({ version: 7, hash: 'hash-7' });
    expect(ddbMock.calls()).toHaveLength(1);
    expect(ddbMock.commandCalls(QueryCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': 'WALLET#w1', ':prefix': 'EVENT#00#' },
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: true,
    });
  });

  it('is version 0 with an empty hash for a wallet without events', async () => {
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    await expect(store.head('w1', 0)).resolves.toEqual({ version: 0, hash: '' });
  });

  it('asks for the head of the given lane only', async () => {
    ddbMock.on(QueryCommand).resolves({ Items: [eventItem(2, 'h2', 'h1', 12)] });
    await expect(store.head('w1', 12)).resolves.toEqual({ version: 2, hash: 'h2' });
    expect(ddbMock).toHaveReceivedCommandWith(QueryCommand, {
      ExpressionAttributeValues: { ':pk': 'WALLET#w1', ':prefix': 'EVENT#12#' },
    });
  });

  it('refuses an item that does not parse as an event', async () => {
    ddbMock
      .on(QueryCommand)
      .resolves({ Items: [{ pk: 'WALLET#w1', sk: 'EVENT#00#000000000001', version: 'x' }] });
    await expect(store.head('w1', 0)).rejects.toThrow();
  });
});

describe('DynamoEventStore.read', () => {
  it('follows LastEvaluatedKey and yields the pages in order', async () => {
    const lastKey = { pk: 'WALLET#w1', sk: 'EVENT#00#000000000002' };
    ddbMock
      .on(QueryCommand)
      .resolvesOnce({ Items: [eventItem(1), eventItem(2)], LastEvaluatedKey: lastKey })
      .resolvesOnce({ Items: [eventItem(3)] });

    const pages: number[][] = [];
    for await (const page of store.read('w1', 0)) pages.push(page.map((event) => event.version));
    expect(pages).toEqual([[1, 2], [3]]);

    const inputs = ddbMock.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(inputs).toHaveLength(2);
    const base = {
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': 'WALLET#w1',
        ':from': 'EVENT#00#000000000001',
        ':to': 'EVENT#00#999999999999',
      },
      ConsistentRead: true,
      Limit: 500,
    };
    expect(inputs[0]).toEqual(base);
    expect(inputs[0]?.ExclusiveStartKey).toBeUndefined();
    expect(inputs[1]).toEqual({ ...base, ExclusiveStartKey: lastKey });
  });

  it('parses events with exact bigint amounts, without the storage attributes', async () => {
    ddbMock.on(QueryCommand).resolves({ Items: [{ ...eventItem(1), idempotencyKey: 'k' }] });
    await expect(readAll(store, 'w1', 0)).resolves.toEqual([
      {
        walletId: 'w1',
        lane: 0,
        version: 1,
        eventId: 'e1',
        type: 'Deposited',
        data: { amountMinor: 100n, occurredAtMs: 10 },
        recordedAtMs: 5,
        idempotencyKey: 'k',
        hash: 'h1',
        prevHash: 'h0',
      },
    ]);
  });

  it('bounds the key range by fromVersion and toVersion', async () => {
    ddbMock.on(QueryCommand).resolves({ Items: [eventItem(4, 'h4', 'h3', 2), eventItem(5, 'h5', 'h4', 2)] });
    await readAll(store, 'w1', 2, { fromVersion: 4, toVersion: 5 });
    expect(ddbMock).toHaveReceivedCommandWith(QueryCommand, {
      ExpressionAttributeValues: {
        ':pk': 'WALLET#w1',
        ':from': 'EVENT#02#000000000004',
        ':to': 'EVENT#02#000000000005',
      },
    });
  });

  it('sends nothing for an empty range', async () => {
    await expect(readAll(store, 'w1', 0, { fromVersion: 5, toVersion: 4 })).resolves.toEqual([]);
    expect(ddbMock.calls()).toHaveLength(0);
  });

  it('refuses a hole in the versions instead of returning a partial stream', async () => {
    ddbMock.on(QueryCommand).resolves({ Items: [eventItem(1), eventItem(3)] });
    await expect(readAll(store, 'w1', 0)).rejects.toThrow('has no version 2 (found 3)');
  });
});

describe('DynamoEventStore.lanes', () => {
  it('reads the LANES item strongly consistent and always includes lane 0', async () => {
    ddbMock.on(GetCommand).resolves({ Item: { pk: 'WALLET#w1', sk: 'LANES', lanes: new Set(['7', '3']) } });
    await expect(store.lanes('w1')).resolves.toEqual([0, 3, 7]);
    expect(ddbMock.commandCalls(GetCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Key: { pk: 'WALLET#w1', sk: 'LANES' },
      ConsistentRead: true,
    });
  });

  it('is lane 0 alone for a wallet that never opened another lane', async () => {
    ddbMock.on(GetCommand).resolves({});
    await expect(store.lanes('w1')).resolves.toEqual([0]);
  });
});
