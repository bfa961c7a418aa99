import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ThrottlingException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
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
  it('writes the job item create-only, every segment at page 0 and its registry entry, in one transaction, all with the TTL', async () => {
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
    // Each segment's entry in the registry of unfinished segments, in the same transaction.
    const running = (n: number) => ({
      Put: {
        TableName: TABLE,
        Item: {
          pk: 'JOBS#RUNNING',
          sk: `SEGMENT#j1#00${n}`,
          expiresAt: EXPIRES,
          kind: 'running-segment',
          jobId: 'j1',
          segment: n,
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
        running(0),
        running(1),
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

  it('marks the segment done with its last page (no cursor) and deletes its registry entry in the same transaction', async () => {
    ddbMock.on(TransactWriteCommand).resolves({});
    await expect(jobs.completePage('j1', 0, 0, { ...RESULT, nextCursor: null })).resolves.toBe('recorded');
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
    const [update, remove] = ddbMock.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(update?.Update).toMatchObject({
      Key: { pk: 'JOB#j1', sk: 'SEGMENT#000' },
      ConditionExpression: '#page = :page',
      ExpressionAttributeValues: { ':page': 0, ':next': 1, ':cursor': null, ':done': true },
    });
    expect(remove).toEqual({
      Delete: { TableName: TABLE, Key: { pk: 'JOBS#RUNNING', sk: 'SEGMENT#j1#000' } },
    });
  });

  it('answers stale when the last page fails on the page condition (a cancelled transaction)', async () => {
    ddbMock.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }],
      }),
    );
    await expect(jobs.completePage('j1', 0, 3, { ...RESULT, nextCursor: null })).resolves.toBe('stale');
  });

  it('lets a last page conflicting with another transaction propagate, so the page message is delivered again', async () => {
    const conflict = new TransactionCanceledException({
      message: 'cancelled',
      $metadata: {},
      CancellationReasons: [{ Code: 'TransactionConflict' }, { Code: 'None' }],
    });
    ddbMock.on(TransactWriteCommand).rejects(conflict);
    await expect(jobs.completePage('j1', 0, 3, { ...RESULT, nextCursor: null })).rejects.toBe(conflict);
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

describe('DynamoJobStore.unfinishedSegments', () => {
  // Items as the document client reads them (numbers as text).
  const jobItem = {
    pk: 'JOB#j1',
    sk: 'JOB',
    kind: 'job',
    jobId: 'j1',
    params: '{"kind":"replay","dryRun":true}',
    segments: '2',
    createdAtMs: String(CREATED_AT_MS),
    expiresAt: String(EXPIRES),
  };
  const segmentItem = (n: number, done: boolean) => ({
    pk: 'JOB#j1',
    sk: `SEGMENT#00${n}`,
    expiresAt: String(EXPIRES),
    kind: 'job-segment',
    segment: String(n),
    page: done ? '3' : '1',
    cursor: done ? null : '{"pk":"WALLET#w1"}',
    done,
    changes: '[]',
    finishedAtMs: null,
  });
  const entry = (n: number) => ({
    pk: 'JOBS#RUNNING',
    sk: `SEGMENT#j1#00${n}`,
    kind: 'running-segment',
    jobId: 'j1',
    segment: String(n),
    expiresAt: String(EXPIRES),
  });
  const COMPLETE = { pk: 'JOBS#RUNNING', sk: 'COMPLETE', kind: 'running-complete' };
  const byPk = (pk: string) => ({ ExpressionAttributeValues: { ':pk': pk } });

  it('reads the registry and the jobs it names, never the whole table', async () => {
    ddbMock.on(QueryCommand, byPk('JOBS#RUNNING')).resolves({ Items: [COMPLETE, entry(1)] });
    ddbMock
      .on(QueryCommand, byPk('JOB#j1'))
      .resolves({ Items: [jobItem, segmentItem(0, true), segmentItem(1, false)] });
    const found = await jobs.unfinishedSegments();
    expect(found.map(({ jobId, segment }) => [jobId, segment.segment, segment.page, segment.cursor])).toEqual(
      [['j1', 1, 1, '{"pk":"WALLET#w1"}']],
    );
    expect(ddbMock.commandCalls(ScanCommand)).toHaveLength(0);
    expect(ddbMock.calls()).toHaveLength(2);
  });

  it('reads nothing more when no job is running', async () => {
    ddbMock.on(QueryCommand, byPk('JOBS#RUNNING')).resolves({ Items: [COMPLETE] });
    await expect(jobs.unfinishedSegments()).resolves.toEqual([]);
    expect(ddbMock.calls()).toHaveLength(1);
  });

  it('on a table older than the registry, finds unfinished segments by one Scan, enters them, then marks the registry complete', async () => {
    ddbMock.on(QueryCommand, byPk('JOBS#RUNNING')).resolves({ Items: [] });
    ddbMock.on(ScanCommand).resolves({ Items: [segmentItem(1, false)] });
    ddbMock.on(PutCommand).resolves({});
    ddbMock
      .on(QueryCommand, byPk('JOB#j1'))
      .resolves({ Items: [jobItem, segmentItem(0, true), segmentItem(1, false)] });
    const found = await jobs.unfinishedSegments();
    expect(found.map(({ jobId, segment }) => [jobId, segment.segment])).toEqual([['j1', 1]]);
    expect(ddbMock.commandCalls(ScanCommand)).toHaveLength(1);
    // The entry keeps the job's expiry as a number (TTL ignores text).
    expect(ddbMock.commandCalls(PutCommand).map((call) => call.args[0].input.Item)).toEqual([
      { ...entry(1), segment: 1, expiresAt: EXPIRES },
      COMPLETE,
    ]);
  });
});
