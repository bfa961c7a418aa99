import { Logger } from '@aws-lambda-powertools/logger';
import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SqsDeadLetterQueue } from '#adapters/sqs/dead-letters.ts';
import {
  deduplicationId,
  type QueuedEvent,
  type SendOutcome,
  SqsEventsQueue,
  toMessageBody,
} from '#adapters/sqs/events-queue.ts';
import { type EventsDeps, makeEventsHandler } from '#handlers/events.ts';
import { problemErrors } from '#http/middleware.ts';
import type { HttpResult } from '#http/problem.ts';
import { httpEvent, lambdaContext, problemOf } from '../../support/http.ts';
import { cloudEvent } from './helpers.ts';

const logger = new Logger({ serviceName: 'tally-test', logLevel: 'SILENT' });

/** A queue that records what it was asked to send; `failIds` are not sent. */
class FakeQueue {
  readonly sent: QueuedEvent[][] = [];
  failIds = new Set<string>();

  async send(events: readonly QueuedEvent[]): Promise<SendOutcome> {
    this.sent.push([...events]);
    return {
      sent: events.filter((event) => !this.failIds.has(event.id)).map((event) => event.id),
      failed: events
        .filter((event) => this.failIds.has(event.id))
        .map((event) => ({ id: event.id, code: 'InternalError', senderFault: false })),
    };
  }
}

let queue: FakeQueue;

beforeEach(() => {
  queue = new FakeQueue();
});

async function post(body: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
  const deps: EventsDeps = { queue, log: { warn: () => undefined }, clock: { nowMs: () => Date.now() } };
  const handler = middy(makeEventsHandler(() => deps)).use(problemErrors(logger));
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return handler(httpEvent({ method: 'POST', path: '/events', body: text, headers }), lambdaContext);
}

describe('POST /events: accepted', () => {
  it('queues one event and answers 202 with the count and id', async () => {
    const event = cloudEvent({ id: 'one' });
    const response = await post(event);
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body)).toEqual({
      accepted: 1,
      ids: ['one'],
      results: [{ index: 0, id: 'one', status: 'queued' }],
    });
    expect(queue.sent).toEqual([[{ id: 'one', subject: 'w1', body: JSON.stringify(event) }]]);
  });

  it('queues an array of 100 as one call (the adapter chunks it), in request order', async () => {
    const events = Array.from({ length: 100 }, (_, index) =>
      cloudEvent({ id: `e-${index}`, subject: `w-${index % 7}` }),
    );
    const response = await post(events);
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body)).toMatchObject({ accepted: 100 });
    expect(queue.sent[0]?.map((event) => event.id)).toEqual(events.map((event) => event.id));
  });

  it('sends an event repeated within the request once', async () => {
    const response = await post([cloudEvent({ id: 'r' }), cloudEvent({ id: 'r' }), cloudEvent({ id: 's' })]);
    expect(JSON.parse(response.body)).toEqual({
      accepted: 2,
      ids: ['r', 's'],
      duplicates: 1,
      results: [
        { index: 0, id: 'r', status: 'queued' },
        { index: 1, id: 'r', status: 'duplicate' },
        { index: 2, id: 's', status: 'queued' },
      ],
    });
  });

  it('reads a body sent as curl sends it (form content type, base64 through API Gateway)', async () => {
    const handler = middy(
      makeEventsHandler(() => ({ queue, log: logger, clock: { nowMs: () => Date.now() } })),
    ).use(problemErrors(logger));
    const response = await handler(
      httpEvent({
        method: 'POST',
        path: '/events',
        body: Buffer.from(JSON.stringify(cloudEvent())).toString('base64'),
        isBase64Encoded: true,
      }),
      lambdaContext,
    );
    expect(response.statusCode).toBe(202);
  });
});

describe('POST /events: refused, and nothing is queued', () => {
  it('lists a reason per invalid event, by index', async () => {
    const response = await post([
      cloudEvent({ id: 'fine' }),
      cloudEvent({ id: 'a', subject: 'no spaces please' }),
      cloudEvent({ id: 'b', type: 'wallet.deposit', data: { amount: -5 } }),
      cloudEvent({ id: 'c', type: 'wallet.deposit', data: {} }),
      cloudEvent({ id: 'd', time: '2026-13-01T10:00:00Z' }),
    ]);
    expect(response.statusCode).toBe(400);
    const problem = problemOf(response);
    expect(problem).toMatchObject({ type: '/problems/invalid-events', status: 400 });
    expect(problem.detail).toMatch(/^Nothing was accepted: \[1\] subject: does not match the wallet id rule/);
    expect(problem.detail).toContain('[2] data.amount: must be greater than 0; ');
    expect(problem.detail).toContain('[3] data.amount: must be a JSON number or a decimal string; ');
    expect(problem.detail).toContain('[4] time: is not a valid date (no such day or time).');
    // One full stop at the end, none doubled, and the field named once (issue 15 §9).
    expect(problem.detail).not.toMatch(/\.\.|\.;|Amount/);
    expect(problem.errors).toEqual([
      { index: 1, pointer: '#/1/subject', detail: expect.stringMatching(/^subject: /) },
      { index: 2, pointer: '#/2/data/amount', detail: 'data.amount: must be greater than 0' },
      { index: 3, pointer: '#/3/data/amount', detail: expect.stringMatching(/^data\.amount: /) },
      { index: 4, pointer: '#/4/time', detail: 'time: is not a valid date (no such day or time)' },
    ]);
    expect(queue.sent).toEqual([]);
  });

  it('ends a single reason with one full stop, not two (issue 15 §9)', async () => {
    const problem = problemOf(await post(cloudEvent({ type: 'wallet.deposit', data: { amount: -5 } })));
    expect(problem.detail).toBe('Nothing was accepted: data.amount: must be greater than 0.');
  });

  it('gives a single event its reasons without an index', async () => {
    const problem = problemOf(await post(cloudEvent({ subject: '' })));
    expect(problem.detail).toMatch(/^Nothing was accepted: subject: does not match the wallet id rule/);
    expect(problem.errors).toEqual([{ index: 0, pointer: '#/subject', detail: expect.any(String) }]);
  });

  it('refuses the same id with two payloads in one request (422)', async () => {
    const response = await post([
      cloudEvent({ id: 'x', data: { n: 1 } }),
      cloudEvent({ id: 'x', data: { n: 2 } }),
    ]);
    expect(response.statusCode).toBe(422);
    expect(problemOf(response)).toMatchObject({
      type: '/problems/event-id-reused',
      detail: expect.stringContaining('[0] and [1] share the id x'),
    });
    expect(queue.sent).toEqual([]);
  });

  it.each([
    ['an empty array', 'invalid-batch', []],
    [
      '101 events',
      'invalid-batch',
      Array.from({ length: 101 }, (_, index) => cloudEvent({ id: `e${index}` })),
    ],
    ['malformed JSON', 'malformed-json', '[{"id": '],
    ['an empty body', 'missing-body', ''],
    ['a number', 'invalid-events', '42'],
  ])('%s → 400 %s', async (_name, code, body) => {
    const response = await post(body);
    expect(response.statusCode).toBe(400);
    expect(problemOf(response).type).toBe(`/problems/${code}`);
    expect(queue.sent).toEqual([]);
  });
});

describe('POST /events: the queue fails', () => {
  it('answers 503 naming what was queued and what was not', async () => {
    queue.failIds.add('b');
    const response = await post([cloudEvent({ id: 'a' }), cloudEvent({ id: 'b' })]);
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['retry-after']).toBe('1');
    expect(problemOf(response)).toMatchObject({
      type: '/problems/events-not-queued',
      queued: ['a'],
      failed: [{ id: 'b', code: 'InternalError' }],
    });
  });
});

describe('SqsEventsQueue', () => {
  const sqs = mockClient(SQSClient);
  const noSleep = { attemptsMax: 3, backoffBaseMs: 1, sleep: async () => {} };
  const events = (count: number): QueuedEvent[] =>
    Array.from({ length: count }, (_, index) => ({
      id: `id-${index}`,
      subject: `w-${index}`,
      body: `{"n":${index}}`,
    }));

  beforeEach(() => sqs.reset());

  it('sends in chunks of 10, without FIFO fields on a standard queue', async () => {
    sqs.on(SendMessageBatchCommand).callsFake(async (input: { Entries: { Id: string }[] }) => ({
      Successful: input.Entries.map((entry) => ({ Id: entry.Id, MessageId: `m-${entry.Id}` })),
      Failed: [],
    }));
    const outcome = await new SqsEventsQueue(new SQSClient({}), 'https://sqs/q/tally-events', noSleep).send(
      events(23),
    );
    expect(outcome).toEqual({ sent: events(23).map((event) => event.id), failed: [] });
    const calls = sqs.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input);
    expect(calls.map((input) => input.Entries?.length)).toEqual([10, 10, 3]);
    expect(calls[0]?.Entries?.[0]).toEqual({ Id: 'e0', MessageBody: '{"n":0}' });
  });

  it('sets MessageGroupId = subject and MessageDeduplicationId = id on a FIFO queue', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolves({ Successful: [{ Id: 'e0', MessageId: 'm', MD5OfMessageBody: '' }], Failed: [] });
    await new SqsEventsQueue(new SQSClient({}), 'https://sqs/q/tally-events.fifo', noSleep).send(events(1));
    expect(sqs.commandCalls(SendMessageBatchCommand)[0]?.args[0].input.Entries?.[0]).toEqual({
      Id: 'e0',
      MessageBody: '{"n":0}',
      MessageGroupId: 'w-0',
      MessageDeduplicationId: 'id-0',
    });
  });

  it('retries failed entries a bounded number of times, and reports what never went', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({
        Successful: [{ Id: 'e0', MessageId: 'm0', MD5OfMessageBody: '' }],
        Failed: [
          { Id: 'e1', Code: 'InternalError', SenderFault: false },
          { Id: 'e2', Code: 'InvalidMessageContents', SenderFault: true },
        ],
      })
      .resolves({ Successful: [], Failed: [{ Id: 'e1', Code: 'InternalError', SenderFault: false }] });
    const outcome = await new SqsEventsQueue(new SQSClient({}), 'https://sqs/q/tally-events', noSleep).send(
      events(3),
    );
    expect(outcome).toEqual({
      sent: ['id-0'],
      failed: [
        { id: 'id-2', code: 'InvalidMessageContents', senderFault: true },
        { id: 'id-1', code: 'InternalError', senderFault: false },
      ],
    });
    // Three attempts in all; the second and third carry only the retryable entry.
    const calls = sqs
      .commandCalls(SendMessageBatchCommand)
      .map((call) => call.args[0].input.Entries?.map((e) => e.Id));
    expect(calls).toEqual([['e0', 'e1', 'e2'], ['e1'], ['e1']]);
  });

  it('recovers when a retry succeeds, and counts a thrown call as every entry failing', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .rejectsOnce(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }))
      .resolves({ Successful: [{ Id: 'e0', MessageId: 'm0', MD5OfMessageBody: '' }], Failed: [] });
    const outcome = await new SqsEventsQueue(new SQSClient({}), 'https://sqs/q/tally-events', noSleep).send(
      events(1),
    );
    expect(outcome).toEqual({ sent: ['id-0'], failed: [] });
  });

  it('keeps long ids within the deduplication id limit, and escapes characters SQS refuses', () => {
    expect(deduplicationId('x'.repeat(128))).toBe('x'.repeat(128));
    expect(deduplicationId('x'.repeat(129))).toMatch(/^[0-9a-f]{64}$/);
    const body = toMessageBody({ note: 'a\uffffb' });
    expect(body).toBe('{"note":"a\\uffffb"}');
    expect(JSON.parse(body)).toEqual({ note: 'a\uffffb' });
  });

  it('escapes characters above U+FFFF (the local SQS refuses surrogate pairs), keeping the same text', () => {
    const event = { type: '𐀀', data: { note: 'ok 😀 done' } };
    const body = toMessageBody(event);
    expect(body).toBe('{"type":"\\ud800\\udc00","data":{"note":"ok \\ud83d\\ude00 done"}}');
    expect(/[\ud800-\udfff]/.test(body)).toBe(false);
    expect(JSON.parse(body)).toEqual(event);
  });
});

describe('SqsDeadLetterQueue', () => {
  const sqs = mockClient(SQSClient);
  beforeEach(() => sqs.reset());

  it('sends the original body with the reason, code and origin as message attributes', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
    await new SqsDeadLetterQueue(new SQSClient({}), 'https://sqs/q/tally-events-dlq').send({
      code: 'rule-failed',
      reason: 'rule trade-volume (line 12): no such key: qty',
      body: '{"id":"t-1"}',
      origin: 'sqs',
      originId: 'm-1',
      eventId: 't-1',
    });
    expect(sqs.commandCalls(SendMessageCommand)[0]?.args[0].input).toEqual({
      QueueUrl: 'https://sqs/q/tally-events-dlq',
      MessageBody: '{"id":"t-1"}',
      MessageAttributes: {
        reason: { DataType: 'String', StringValue: 'rule trade-volume (line 12): no such key: qty' },
        code: { DataType: 'String', StringValue: 'rule-failed' },
        origin: { DataType: 'String', StringValue: 'sqs' },
        originId: { DataType: 'String', StringValue: 'm-1' },
        eventId: { DataType: 'String', StringValue: 't-1' },
      },
    });
  });

  it('deduplicates letters on a FIFO DLQ by origin and code', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
    const dlq = new SqsDeadLetterQueue(new SQSClient({}), 'https://sqs/q/tally-events-dlq.fifo');
    const letter = {
      code: 'malformed-json',
      reason: 'x',
      body: 'x',
      origin: 'sqs',
      originId: 'm-9',
    } as const;
    await dlq.send(letter);
    await dlq.send(letter);
    const [first, second] = sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input);
    expect(first?.MessageGroupId).toBe('dead-letters');
    expect(first?.MessageDeduplicationId).toMatch(/^[0-9a-f]{64}$/);
    expect(second?.MessageDeduplicationId).toBe(first?.MessageDeduplicationId);
  });
});
