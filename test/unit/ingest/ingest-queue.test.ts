import type { SQSBatchResponse } from 'aws-lambda';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { makeIngestQueueHandler } from '#handlers/ingest-queue.ts';
import { VersionConflictError } from '#ports/event-store.ts';
import { lambdaContext, sqsEvent, sqsRecord } from '../../fixtures/bus-events.ts';
import { type BusHarness, busHarness, cloudEvent } from './helpers.ts';

let bus: BusHarness;
let handle: (records: ReturnType<typeof sqsRecord>[]) => Promise<SQSBatchResponse>;

beforeEach(() => {
  bus = busHarness();
  const handler = makeIngestQueueHandler(() => bus.deps);
  handle = (records) => handler(sqsEvent(records), lambdaContext);
});

const body = (overrides: Record<string, unknown> = {}) => JSON.stringify(cloudEvent(overrides));
const failedIds = (response: SQSBatchResponse) =>
  response.batchItemFailures.map((failure) => failure.itemIdentifier);

/**
 * Makes the store throw `error` for one wallet's appends (the others are untouched), and for a
 * batch's transaction that holds that wallet: all of it fails, as DynamoDB's one request would.
 */
function failAppendsFor(walletId: string, error: () => Error) {
  const append = bus.store.append.bind(bus.store);
  const appendGroups = bus.store.appendGroups;
  vi.spyOn(bus.store, 'appendGroups').mockImplementation(async (requests) => {
    if (requests.some((request) => request.walletId === walletId)) throw error();
    return appendGroups(requests);
  });
  return vi.spyOn(bus.store, 'append').mockImplementation(async (request) => {
    if (request.walletId === walletId) throw error();
    return append(request);
  });
}

describe('ingest-queue: permanent failures go to the DLQ with their reason; the rest of the batch proceeds', () => {
  it('sorts a mixed batch: recorded, poison JSON, invalid event, bad deposit, failing rule', async () => {
    const records = [
      sqsRecord(body({ id: 'ok-1' }), { messageId: 'm-ok-1' }),
      sqsRecord('{"specversion": "1.0", "id": ', { messageId: 'm-poison' }),
      sqsRecord(body({ id: 'bad-subject', subject: 'not a wallet' }), { messageId: 'm-invalid' }),
      sqsRecord(body({ id: 'bad-deposit', type: 'wallet.deposit', data: { amount: '1.234' } }), {
        messageId: 'm-deposit',
      }),
      // The shipped trade rule compares data.qty with a number; a text qty fails the rule.
      sqsRecord(body({ id: 'bad-trade', type: 'trade', data: { qty: 'ten' } }), { messageId: 'm-rule' }),
      sqsRecord(body({ id: 'ok-2', type: 'wallet.deposit', data: { amount: '12.50' } }), {
        messageId: 'm-ok-2',
      }),
    ];

    const response = await handle(records);

    expect(response.batchItemFailures).toEqual([]);
    const letters = Object.fromEntries(bus.deadLetters.letters.map((letter) => [letter.originId, letter]));
    expect(Object.keys(letters).sort()).toEqual(['m-deposit', 'm-invalid', 'm-poison', 'm-rule']);
    expect(letters['m-poison']).toMatchObject({
      code: 'malformed-json',
      reason: expect.stringMatching(/^the message body is not JSON: /),
      body: records[1]?.body,
      origin: 'sqs',
    });
    expect(letters['m-invalid']).toMatchObject({
      code: 'invalid-event',
      reason: expect.stringMatching(/^subject: does not match the wallet id rule/),
      eventId: 'bad-subject',
    });
    expect(letters['m-deposit']).toMatchObject({
      code: 'invalid-deposit',
      reason: expect.stringMatching(/^data\.amount: Amount has 3 fraction digits/),
    });
    expect(letters['m-rule']).toMatchObject({
      code: 'rule-failed',
      reason: expect.stringContaining('trade-volume'),
    });
    // Each dead letter is also in the log with its reason.
    expect(bus.warnings.map((warning) => warning.extra.code).sort()).toEqual([
      'invalid-deposit',
      'invalid-event',
      'malformed-json',
      'rule-failed',
    ]);

    const view = await bus.view('w1');
    expect(view.points).toBe(250n);
    expect(view.balanceMinor).toBe(1_250n);
  });

  it('takes effect once when the same message arrives again, and refuses the id with another payload', async () => {
    const first = sqsRecord(body({ id: 'dup-1' }), { messageId: 'm-1' });
    const again = sqsRecord(body({ id: 'dup-1' }), { messageId: 'm-2' });
    const other = sqsRecord(body({ id: 'dup-1', data: { answerId: 'another' } }), { messageId: 'm-3' });

    expect(failedIds(await handle([first]))).toEqual([]);
    expect(failedIds(await handle([again, other]))).toEqual([]);

    expect((await bus.view('w1')).points).toBe(250n);
    expect(bus.deadLetters.letters).toEqual([
      expect.objectContaining({ originId: 'm-3', code: 'id-reused', eventId: 'dup-1', body: other.body }),
    ]);
  });
});

describe('ingest-queue: transient failures are partial batch failures, retried by SQS', () => {
  it('reports a throttled record and keeps the rest of the batch', async () => {
    failAppendsFor('w-throttled', () =>
      Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' }),
    );
    const response = await handle([
      sqsRecord(body({ id: 'a', subject: 'w-a' }), { messageId: 'm-a' }),
      sqsRecord(body({ id: 't', subject: 'w-throttled' }), { messageId: 'm-t', receiveCount: 3 }),
      sqsRecord(body({ id: 'b', subject: 'w-b' }), { messageId: 'm-b' }),
    ]);

    expect(failedIds(response)).toEqual(['m-t']);
    expect(bus.deadLetters.letters).toEqual([]);
    expect((await bus.view('w-a')).points).toBe(250n);
    expect((await bus.view('w-b')).points).toBe(250n);
    expect(bus.warnings).toEqual([
      expect.objectContaining({
        extra: expect.objectContaining({ messageId: 'm-t', receiveCount: '3' }),
      }),
    ]);
  });

  it('retries a contended record (other writers kept winning) instead of dropping it', async () => {
    failAppendsFor('w-hot', () => new VersionConflictError('w-hot', 0, 0, 'transaction-conflict'));
    const response = await handle([sqsRecord(body({ id: 'hot', subject: 'w-hot' }), { messageId: 'm-hot' })]);
    expect(failedIds(response)).toEqual(['m-hot']);
    expect(bus.warnings[0]?.extra.error).toMatchObject({ name: 'TransientIngestError' });
  });

  it('retries a permanent failure whose dead letter could not be filed, so nothing is lost', async () => {
    bus.deadLetters.failNext = 1;
    const response = await handle([sqsRecord('not json', { messageId: 'm-lost' })]);
    expect(failedIds(response)).toEqual(['m-lost']);
    expect(bus.deadLetters.letters).toEqual([]);

    // The next delivery files it.
    expect(
      failedIds(await handle([sqsRecord('not json', { messageId: 'm-lost', receiveCount: 2 })])),
    ).toEqual([]);
    expect(bus.deadLetters.letters).toHaveLength(1);
  });

  it('answers a batch that failed whole with every record, rather than throwing', async () => {
    failAppendsFor('w1', () => Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));
    const response = await handle([
      sqsRecord(body({ id: 'x1' }), { messageId: 'm-x1' }),
      sqsRecord(body({ id: 'x2' }), { messageId: 'm-x2' }),
    ]);
    expect(failedIds(response).sort()).toEqual(['m-x1', 'm-x2']);
  });
});

describe('ingest-queue: FIFO queues keep each wallet in order', () => {
  it('processes in order, stops a message group at its first failure and carries on with other groups', async () => {
    const seen: string[] = [];
    const append = bus.store.append.bind(bus.store);
    vi.spyOn(bus.store, 'append').mockImplementation(async (request) => {
      const id = request.idempotency?.reference ?? '';
      seen.push(id);
      if (id === 'a-2') throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
      return append(request);
    });
    const response = await handle([
      sqsRecord(body({ id: 'a-1', subject: 'w-a' }), { messageId: 'm-a1', groupId: 'w-a' }),
      sqsRecord(body({ id: 'a-2', subject: 'w-a' }), { messageId: 'm-a2', groupId: 'w-a' }),
      sqsRecord(body({ id: 'b-1', subject: 'w-b' }), { messageId: 'm-b1', groupId: 'w-b' }),
      sqsRecord(body({ id: 'a-3', subject: 'w-a' }), { messageId: 'm-a3', groupId: 'w-a' }),
    ]);

    expect(failedIds(response)).toEqual(['m-a2', 'm-a3']);
    expect(seen).toEqual(['a-1', 'a-2', 'b-1']);
    expect((await bus.view('w-a')).awardCount).toBe(1);
    expect((await bus.view('w-b')).awardCount).toBe(1);
  });

  it('lets a dead-lettered message leave its group without blocking the next one', async () => {
    const response = await handle([
      sqsRecord('poison', { messageId: 'm-p', groupId: 'w1' }),
      sqsRecord(body({ id: 'after-poison' }), { messageId: 'm-next', groupId: 'w1' }),
    ]);
    expect(failedIds(response)).toEqual([]);
    expect(bus.deadLetters.letters.map((letter) => letter.originId)).toEqual(['m-p']);
    expect((await bus.view('w1')).points).toBe(250n);
  });
});
