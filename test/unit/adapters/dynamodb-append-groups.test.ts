import {
  type CancellationReason,
  DynamoDBClient,
  ThrottlingException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendGroup } from '#adapters/dynamodb/append-group.ts';
import { appendGroups } from '#adapters/dynamodb/append-groups.ts';
import type { AppendGroupRequest } from '#ports/event-store.ts';

/**
 * The group appends (append-groups.ts: ingest's batches across wallets; append-group.ts: one
 * wallet's group commit) on faults DynamoDB Local does not produce: a TransactionConflict (on one
 * group's lane registration, or anywhere in a group commit), a retry round after a partial
 * cancellation that is throttled, a cancellation with no reasons, one for throttling. Each group
 * comes back appended, failed (its own items failed: its caller takes it event by event) or
 * unknown (it may have committed: its caller finds it by its keys), never appended when it was not
 * sent in a transaction that committed; a group commit's lost race is a VersionConflictError and
 * anything else its callers' error.
 */

const TABLE = 'tally-test';
const ddbMock = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const noIndex = () => [];

beforeEach(() => ddbMock.reset());
afterEach(() => ddbMock.reset());

const group = (walletId: string, lane: number, key: string): AppendGroupRequest => ({
  walletId,
  lane,
  expected: { version: 0, hash: '' },
  parts: [
    {
      events: [
        {
          type: 'Deposited',
          data: { amountMinor: 100n, occurredAtMs: 1 },
          eventId: `e-${walletId}`,
          recordedAtMs: 1,
        },
      ],
      idempotency: { key, payloadHash: `ph-${key}`, response: { statusCode: 202, body: key } },
    },
  ],
});

// Group A: lane 0 (event, key). Group B: opens lane 33 (event, registration, key).
const A = group('wa', 0, 'ka');
const B = group('wb', 33, 'kb');
const NONE: CancellationReason = { Code: 'None' };

const cancelled = (reasons?: CancellationReason[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    ...(reasons ? { CancellationReasons: reasons } : {}),
  });

const sentWallets = () =>
  ddbMock.commandCalls(TransactWriteCommand).map((call) =>
    (call.args[0].input.TransactItems ?? []).flatMap((item) => {
      const pk = (item.Put?.Item?.pk ?? item.Update?.Key?.pk) as string | undefined;
      return pk?.startsWith('WALLET#') ? [pk.split('#')[1]] : [];
    }),
  );

describe('appendGroups on DynamoDB faults', () => {
  it('a TransactionConflict on one group’s lane registration fails that group alone; the other is sent again and appended', async () => {
    ddbMock
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled([NONE, NONE, NONE, { Code: 'TransactionConflict' }, NONE]))
      .resolves({});
    const [a, b] = await appendGroups(client, TABLE, [A, B], noIndex);
    expect(a).toMatchObject({ kind: 'appended', head: { version: 1 } });
    expect(b).toEqual({ kind: 'failed', reason: 'condition' });
    // Round two held group A alone.
    expect(
      ddbMock.commandCalls(TransactWriteCommand).map((call) => call.args[0].input.TransactItems?.length),
    ).toEqual([5, 2]);
  });

  it('a throttled retry round leaves the groups it held unknown (never appended), the failed one failed', async () => {
    ddbMock
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled([NONE, NONE, { Code: 'ConditionalCheckFailed' }, NONE, NONE]))
      .rejectsOnce(new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }));
    const [a, b] = await appendGroups(client, TABLE, [A, B], noIndex);
    expect(a).toMatchObject({ kind: 'unknown' });
    expect(b).toEqual({ kind: 'failed', reason: 'condition' });
  });

  it('a cancellation that names no item leaves every group to its caller, none appended', async () => {
    ddbMock.on(TransactWriteCommand).rejectsOnce(cancelled()).resolves({});
    const results = await appendGroups(client, TABLE, [A, B], noIndex);
    expect(results).toEqual([
      { kind: 'failed', reason: 'unattributed' },
      { kind: 'failed', reason: 'unattributed' },
    ]);
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('a used key comes back with its record from the cancellation; the rest of the batch is written', async () => {
    const record = {
      pk: { S: 'IDEMPOTENCY#kb' },
      sk: { S: 'IDEMPOTENCY' },
      kind: { S: 'idempotency' },
      key: { S: 'kb' },
      payloadHash: { S: 'ph-kb' },
      walletId: { S: 'wb' },
      versions: { L: [{ N: '4' }] },
      eventIds: { L: [{ S: 'e-first' }] },
      statusCode: { N: '202' },
      body: { S: 'first' },
      recordedAtMs: { N: '1' },
    };
    ddbMock
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled([NONE, NONE, NONE, NONE, { Code: 'ConditionalCheckFailed', Item: record }]))
      .resolves({});
    const [a, b] = await appendGroups(client, TABLE, [A, B], noIndex);
    expect(a).toMatchObject({ kind: 'appended' });
    expect(b).toMatchObject({
      kind: 'failed',
      taken: [{ part: 0, record: { key: 'kb', payloadHash: 'ph-kb', eventIds: ['e-first'] } }],
    });
  });

  it('packs past 100 items into transactions sent at once; one cancelled fails only its own groups', async () => {
    // 40 parts of one event and one key: 80 items a group, so each group is a transaction.
    const big = (walletId: string): AppendGroupRequest => ({
      ...group(walletId, 0, `k-${walletId}-0`),
      parts: Array.from({ length: 40 }, (_, index) => ({
        events: [
          {
            type: 'Deposited',
            data: { amountMinor: 1n, occurredAtMs: 1 },
            eventId: `e-${walletId}-${index}`,
            recordedAtMs: 1,
          },
        ],
        idempotency: {
          key: `k-${walletId}-${index}`,
          payloadHash: 'p',
          response: { statusCode: 202, body: '' },
        },
      })),
    });
    ddbMock
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled([{ Code: 'ConditionalCheckFailed' }, ...Array.from({ length: 79 }, () => NONE)]))
      .resolves({});
    const [first, second] = await appendGroups(client, TABLE, [big('w1'), big('w2')], noIndex);
    expect(sentWallets().map((wallets) => [...new Set(wallets)])).toEqual([['w1'], ['w2']]);
    expect(first).toEqual({ kind: 'failed', reason: 'condition' });
    expect(second).toMatchObject({ kind: 'appended', head: { version: 40 } });
  });
});

describe('appendGroup (one wallet’s group commit) on DynamoDB faults', () => {
  // Two parts on lane 0: items [event, event, key, key].
  const request: AppendGroupRequest = {
    walletId: 'wa',
    lane: 0,
    expected: { version: 3, hash: 'h3' },
    parts: ['k1', 'k2'].map((key) => ({
      events: [
        {
          type: 'Deposited',
          data: { amountMinor: 1n, occurredAtMs: 1 },
          eventId: `e-${key}`,
          recordedAtMs: 1,
        },
      ],
      idempotency: { key, payloadHash: `ph-${key}`, response: { statusCode: 201, body: key } },
    })),
  };
  const noRecord = async () => undefined;

  it('a TransactionConflict is a lost race (decided again), not an error its callers hear', async () => {
    ddbMock.on(TransactWriteCommand).rejects(cancelled([{ Code: 'TransactionConflict' }, NONE, NONE, NONE]));
    await expect(appendGroup(client, TABLE, request, noRecord, noIndex)).rejects.toMatchObject({
      name: 'VersionConflictError',
      reason: 'transaction-conflict',
    });
  });

  it('a used key wins over a taken version: that caller is answered from its record, the rest decided again', async () => {
    const item = {
      pk: { S: 'IDEMPOTENCY#k2' },
      sk: { S: 'IDEMPOTENCY' },
      kind: { S: 'idempotency' },
      key: { S: 'k2' },
      payloadHash: { S: 'ph-k2' },
      walletId: { S: 'wa' },
      versions: { L: [{ N: '2' }] },
      eventIds: { L: [{ S: 'e-before' }] },
      statusCode: { N: '201' },
      body: { S: 'before' },
      recordedAtMs: { N: '1' },
    };
    ddbMock
      .on(TransactWriteCommand)
      .rejects(
        cancelled([
          { Code: 'ConditionalCheckFailed' },
          NONE,
          NONE,
          { Code: 'ConditionalCheckFailed', Item: item },
        ]),
      );
    await expect(appendGroup(client, TABLE, request, noRecord, noIndex)).resolves.toMatchObject({
      kind: 'keys-taken',
      taken: [{ part: 1, record: { key: 'k2', eventIds: ['e-before'] } }],
    });
  });

  it('a cancellation for throttling reaches the callers as an error, as a single append’s does (not as a lost race)', async () => {
    ddbMock.on(TransactWriteCommand).rejects(cancelled([{ Code: 'ThrottlingError' }, NONE, NONE, NONE]));
    const error = await appendGroup(client, TABLE, request, noRecord, noIndex).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(TransactionCanceledException);
  });
});
