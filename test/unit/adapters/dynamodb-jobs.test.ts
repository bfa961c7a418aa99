import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ThrottlingException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoJobStore } from '#adapters/dynamodb/jobs.ts';
import { JOB_RETENTION_DAYS } from '#adapters/dynamodb/table-layout/job-items.ts';
import { zeroCounters } from '#app/job-counters.ts';
import type { Job, PageResult } from '#ports/jobs.ts';

const TABLE = 'tally-test';
const ddbMock = mockClient(DynamoDBDocumentClient);
const jobs = new DynamoJobStore(
  DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
  TABLE,
);

beforeEach(() => ddbMock.reset());

const CREATED_AT_MS = 1_700_000_000_500;
const JOB: Job = {
  jobId: 'j1',
  params: { kind: 'replay', dryRun: true },
  segments: 2,
  createdAtMs: CREATED_AT_MS,
};
const EXPIRES = Math.floor(CREATED_AT_MS / 1000) + JOB_RETENTION_DAYS * 86_400;

const RESULT: PageResult = {
  nextCursor: '{"pk":"WALLET#w9"}',
  counters: { ...zeroCounters(), wallets: 3, events: 40, changed: 1, written: 1, awardedPoints: 250n },
  changes: [{ walletId: 'w9', before: 1, after: 2 }],
  finishedAtMs: 1_700_000_001_000,
};

describe('DynamoJobStore.create', () => {
  it('writes the job item create-only and every segment at page 0, in one transaction, all with the TTL', async () => {
    ddbMock.on(TransactWriteCommand).resolves({});
    await jobs.create(JOB);
    expect(ddbMock.calls()).toHaveLength(1);
    const segment = (n: number) => ({
      Put: {
        TableName: TABLE,
        Item: {
          pk: 'JOB#j1',
          sk: `SEGMENT#00${n}`,
          expiresAt: EXPIRES,
          kind: 'job-segment',
          segment: n,
          page: 0,
          cursor: null,
          done: false,
          changes: '[]',
          finishedAtMs: null,
        },
      },
    });
    expect(ddbMock.commandCalls(TransactWriteCommand)[0]?.args[0].input).toEqual({
      TransactItems: [
        {
          Put: {
            TableName: TABLE,
            Item: {
              pk: 'JOB#j1',
              sk: 'JOB',
              kind: 'job',
              jobId: 'j1',
              params: '{"kind":"replay","dryRun":true}',
              segments: 2,
              createdAtMs: CREATED_AT_MS,
              expiresAt: EXPIRES,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        segment(0),
        segment(1),
      ],
    });
  });

  it('lets a cancelled transaction (the job id exists) propagate', async () => {
    const cancelled = new TransactionCanceledException({
      message: 'cancelled',
      $metadata: {},
      CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }, { Code: 'None' }],
    });
    ddbMock.on(TransactWriteCommand).rejects(cancelled);
    await expect(jobs.create(JOB)).rejects.toBe(cancelled);
  });
});

describe('DynamoJobStore.completePage', () => {
  it('moves the segment from page to page + 1 only if it is at page, and adds the counters', async () => {
    ddbMock.on(UpdateCommand).resolves({});
    await expect(jobs.completePage('j1', 1, 4, RESULT)).resolves.toBe('recorded');
    expect(ddbMock.commandCalls(UpdateCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Key: { pk: 'JOB#j1', sk: 'SEGMENT#001' },
      UpdateExpression:
        'SET #page = :next, #cursor = :cursor, #done = :done, #changes = :changes, finishedAtMs = :at ' +
        'ADD wallets :wallets, eventsDone :events, changed :changed, written :written, facts :facts, ' +
        'walletsWithDifference :differing, awardedPoints :awarded, candidatePoints :candidate, ' +
        'adjustmentsAppended :adjustments, ruleErrors :ruleErrors, #scanned :scanned, ' +
        '#published :published, #rejected :rejected',
      ConditionExpression: '#page = :page',
      ExpressionAttributeNames: {
        '#page': 'page',
        '#cursor': 'cursor',
        '#done': 'done',
        '#changes': 'changes',
        '#scanned': 'scanned',
        '#published': 'published',
        '#rejected': 'rejected',
      },
      ExpressionAttributeValues: {
        ':page': 4,
        ':next': 5,
        ':cursor': RESULT.nextCursor,
        ':done': false,
        ':changes': '[{"walletId":"w9","before":1,"after":2}]',
        ':at': RESULT.finishedAtMs,
        ':wallets': 3,
        ':events': 40,
        ':changed': 1,
        ':written': 1,
        ':facts': 0,
        ':differing': 0,
        ':awarded': 250n,
        ':candidate': 0n,
        ':adjustments': 0,
        ':ruleErrors': 0,
        ':scanned': 0,
        ':published': 0,
        ':rejected': 0,
      },
    });
  });

  it('marks the segment done with its last page (no cursor)', async () => {
    ddbMock.on(UpdateCommand).resolves({});
    await jobs.completePage('j1', 0, 0, { ...RESULT, nextCursor: null });
    expect(ddbMock.commandCalls(UpdateCommand)[0]?.args[0].input.ExpressionAttributeValues).toMatchObject({
      ':cursor': null,
      ':done': true,
    });
  });

  it('answers stale when the condition fails (the page was counted already)', async () => {
    ddbMock
      .on(UpdateCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );
    await expect(jobs.completePage('j1', 1, 4, RESULT)).resolves.toBe('stale');
  });

  it('lets throttling propagate, so the page message is delivered again', async () => {
    const throttled = new ThrottlingException({ message: 'slow down', $metadata: {} });
    ddbMock.on(UpdateCommand).rejects(throttled);
    await expect(jobs.completePage('j1', 1, 4, RESULT)).rejects.toBe(throttled);
  });
});
