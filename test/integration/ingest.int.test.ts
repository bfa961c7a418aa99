import { type Message, ReceiveMessageCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoReadModelStore } from '../../functions/adapters/dynamodb/read-models.ts';
import { createSqsClient } from '../../functions/adapters/sqs/client.ts';
import { deadLettersFromEnv } from '../../functions/composition/queued.ts';
import { ingestDepsFromEnv } from '../../functions/composition/rules-engine.ts';
import type { LambdaHandler } from '../../functions/local/lambda.ts';
import type { LocalRuntime } from '../../functions/local/runtime.ts';
import type { EventStore } from '../../functions/ports/event-store.ts';
import { FUNCTIONS } from '../../lib/wiring.ts';
import {
  encodeProtobufCloudEvent,
  header,
  lambdaContext,
  mskEvent,
  mskRecord,
  protoTimestamp,
} from '../fixtures/bus-events.ts';
import { startTestRuntime, testDocumentClient } from '../support/local.ts';

/**
 * The three ways in against DynamoDB Local and the local SQS (fauxqs), through the local runtime:
 * POST /events and direct sends go through the events queue and the queue poller into the
 * ingest-queue handler; MSK-shaped events go straight to the ingest-kafka handler.
 */

/** Appends for this wallet always fail, as if the store were down for it: a poison message. */
const POISON_WALLET = 'w-poison';
const MAX_RECEIVE_COUNT = 3;

let runtime: LocalRuntime;
let sqs: SQSClient;
let readModels: DynamoReadModelStore;
const queueWarnings: { message: string; extra: Record<string, unknown> }[] = [];

/**
 * The handler modules are imported only once the runtime has set the environment, as the runtime
 * itself does: their logger and metrics read it when they load.
 */
let ingestKafka: LambdaHandler;

/** The real ingest-queue handler, with a store that fails every append (alone or batched) for POISON_WALLET. */
async function ingestQueueWithPoison(): Promise<LambdaHandler> {
  const { makeIngestQueueHandler } = await import('../../functions/handlers/ingest-queue.ts');
  const handler = middy(
    makeIngestQueueHandler(() => {
      const ingest = ingestDepsFromEnv();
      const store = new Proxy(ingest.store, {
        get(target, property) {
          if (property === 'append') {
            return async (request: Parameters<EventStore['append']>[0]) => {
              if (request.walletId === POISON_WALLET) {
                throw Object.assign(new Error('Throughput exceeds the current capacity'), {
                  name: 'ProvisionedThroughputExceededException',
                });
              }
              return target.append(request);
            };
          }
          if (property === 'appendGroups' && target.appendGroups !== undefined) {
            // A batch's one transaction holding the wallet fails whole, as a throttled one does.
            return async (requests: Parameters<NonNullable<EventStore['appendGroups']>>[0]) => {
              if (requests.some((request) => request.walletId === POISON_WALLET)) {
                throw Object.assign(new Error('Throughput exceeds the current capacity'), {
                  name: 'ProvisionedThroughputExceededException',
                });
              }
              return target.appendGroups?.(requests);
            };
          }
          const value: unknown = Reflect.get(target, property);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      return {
        ingest: { ...ingest, store },
        deadLetters: deadLettersFromEnv(),
        log: { warn: (message, extra) => queueWarnings.push({ message, extra }) },
      };
    }),
  );
  return (event, context) => handler(event as Parameters<typeof handler>[0], context);
}

beforeAll(async () => {
  runtime = await startTestRuntime({
    // A receive limit of 3 and 1-second visibility: a poison message reaches the DLQ in ~3 s.
    functions: FUNCTIONS.map((spec) =>
      spec.name !== 'ingest-queue'
        ? spec
        : {
            ...spec,
            triggers: (spec.triggers ?? []).map((trigger) =>
              trigger.kind === 'events-queue' ? { ...trigger, maxReceiveCount: MAX_RECEIVE_COUNT } : trigger,
            ),
          },
    ),
    queues: { visibilityTimeoutSeconds: 1, drainOnStopMs: 0 },
    wrapHandler: (spec, handler) => {
      if (spec.name !== 'ingest-queue') return handler;
      let loaded: Promise<LambdaHandler> | undefined;
      return async (event, context) => {
        loaded ??= ingestQueueWithPoison();
        return (await loaded)(event, context);
      };
    },
  });
  ingestKafka = (await import('../../functions/handlers/ingest-kafka.ts')).handler as LambdaHandler;
  sqs = createSqsClient({ endpoint: runtime.sqsEndpoint });
  readModels = new DynamoReadModelStore(testDocumentClient(), runtime.tableName);
});

afterAll(async () => {
  sqs?.destroy();
  await runtime?.stop();
});

const cloudEvent = (overrides: Record<string, unknown>): Record<string, unknown> => ({
  specversion: '1.0',
  source: 'int-test',
  type: 'answer_is_liked',
  time: '2026-11-22T10:00:00Z',
  datacontenttype: 'application/json',
  data: { answerId: 'a-1' },
  ...overrides,
});

function postEvents(body: unknown): Promise<Response> {
  return fetch(`${runtime.url}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents+json' },
    body: JSON.stringify(body),
  });
}

function sendToQueue(event: Record<string, unknown> | string): Promise<unknown> {
  return sqs.send(
    new SendMessageCommand({
      QueueUrl: runtime.eventsQueueUrl,
      MessageBody: typeof event === 'string' ? event : JSON.stringify(event),
    }),
  );
}

/** An MSK event holding `event` twice: once as JSON, once as protobuf. */
function mskBoth(event: Record<string, unknown>, offset: number) {
  return mskEvent([
    mskRecord({
      value: JSON.stringify(event),
      headers: [header('content-type', 'application/cloudevents+json')],
      offset,
    }),
    mskRecord({
      value: encodeProtobufCloudEvent({
        id: String(event.id),
        source: String(event.source),
        spec_version: '1.0',
        type: String(event.type),
        attributes: {
          subject: { ce_string: String(event.subject) },
          time: { ce_timestamp: protoTimestamp(String(event.time)) },
          datacontenttype: { ce_string: 'application/json' },
        },
        text_data: JSON.stringify(event.data),
      }),
      offset: offset + 1,
    }),
  ]);
}

async function settled(): Promise<void> {
  await runtime.whenIngested({ timeoutMs: 15_000 });
  await runtime.whenProjected();
}

/**
 * Every dead letter so far. Each read hides what it returns for 10 minutes, so every letter is
 * collected once, in the order the DLQ hands them out.
 */
const deadLetters: Message[] = [];
async function readDeadLetters(): Promise<Message[]> {
  for (let round = 0; round < 50; round++) {
    const result = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: runtime.eventsDlqUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 600,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = result.Messages ?? [];
    if (messages.length === 0) break;
    deadLetters.push(...messages);
  }
  return deadLetters;
}

const attribute = (message: Message | undefined, name: string): string | undefined =>
  message?.MessageAttributes?.[name]?.StringValue;

describe('exactly once across SQS, MSK and POST /events', () => {
  it('takes one CloudEvent id delivered many times, concurrently, over all three ways in, once', async () => {
    const liked = cloudEvent({ id: 'once-liked', subject: 'w-once' });
    const deposit = cloudEvent({
      id: 'once-deposit',
      subject: 'w-once',
      type: 'wallet.deposit',
      data: { amount: '8000.50' },
    });
    const deliveries: Promise<unknown>[] = [];
    for (let round = 0; round < 8; round++) {
      deliveries.push(
        postEvents([liked, deposit]).then(async (response) => {
          expect(response.status, await response.clone().text()).toBe(202);
        }),
        sendToQueue(liked),
        sendToQueue(deposit),
        ingestKafka(mskBoth(liked, round * 10), lambdaContext),
        ingestKafka(mskBoth(deposit, round * 10 + 5), lambdaContext),
      );
    }
    await Promise.all(deliveries);
    await settled();

    const view = await readModels.getView('w-once');
    expect(view?.points).toBe(250n);
    expect(view?.awardCount).toBe(1);
    expect(view?.factCount).toBe(1);
    expect(view?.depositCount).toBe(1);
    expect(view?.balanceMinor).toBe(800_050n);
    expect(await fetch(`${runtime.url}/details/w-once`).then((response) => response.text())).toBe(
      '{"WalletID":"w-once","Balance":8000.5,"AboveThreshold":false}',
    );
  });

  it('refuses the same id with another payload on every way in (DLQ or 422) and changes nothing', async () => {
    const original = cloudEvent({ id: 'reused-1', subject: 'w-reuse' });
    expect((await postEvents(original)).status).toBe(202);
    await settled();
    const before = await readModels.getView('w-reuse');
    expect(before?.points).toBe(250n);

    const other = { ...original, data: { answerId: 'another-answer' } };
    // In one request: refused at the door.
    const both = await postEvents([original, other]);
    expect(both.status).toBe(422);
    // Alone: accepted at the door (it cannot know), refused by ingest into the DLQ.
    expect((await postEvents(other)).status).toBe(202);
    await sendToQueue(other);
    await ingestKafka(mskBoth(other, 100), lambdaContext);
    await settled();

    const letters = (await readDeadLetters()).filter((letter) => attribute(letter, 'eventId') === 'reused-1');
    expect(letters.map((letter) => attribute(letter, 'code'))).toEqual(Array(4).fill('id-reused'));
    expect(letters.map((letter) => attribute(letter, 'origin')).sort()).toEqual([
      'kafka',
      'kafka',
      'sqs',
      'sqs',
    ]);
    expect(attribute(letters[0], 'reason')).toMatch(/already used for another event; nothing was changed/);
    const fromSqs = letters.find((letter) => attribute(letter, 'origin') === 'sqs');
    expect(JSON.parse(fromSqs?.Body ?? '')).toEqual(other);

    const after = await readModels.getView('w-reuse');
    expect(after).toEqual(before);
  });
});

describe('poison messages', () => {
  it('sends malformed JSON and an invalid event to the DLQ at once, with their reasons', async () => {
    await sendToQueue('{"specversion":"1.0","id":"half');
    await sendToQueue(cloudEvent({ id: 'no-wallet', subject: 'has spaces' }));
    await settled();

    const letters = await readDeadLetters();
    const malformed = letters.find((letter) => letter.Body === '{"specversion":"1.0","id":"half');
    expect(attribute(malformed, 'code')).toBe('malformed-json');
    expect(malformed?.Attributes?.ApproximateReceiveCount).toBe('1');
    const invalid = letters.find((letter) => attribute(letter, 'eventId') === 'no-wallet');
    expect(attribute(invalid, 'code')).toBe('invalid-event');
    expect(attribute(invalid, 'reason')).toMatch(/^subject: does not match the wallet id rule/);
  });

  it('moves a message that keeps failing to the DLQ after its receive limit, its reason logged each time', async () => {
    const poison = cloudEvent({ id: 'poison-1', subject: POISON_WALLET });
    const healthy = cloudEvent({ id: 'healthy-1', subject: 'w-healthy' });
    expect((await postEvents([poison, healthy])).status).toBe(202);

    // The rest of its batch is not held up.
    await expect
      .poll(async () => (await readModels.getView('w-healthy'))?.points, { timeout: 10_000 })
      .toBe(250n);
    await settled();

    const moved = (await readDeadLetters()).find((letter) => letter.Body?.includes('"poison-1"'));
    expect(moved, 'the poison message is in the DLQ').toBeDefined();
    // Moved by the redrive policy, not by the handler: no reason attribute, the receives counted.
    expect(attribute(moved, 'code')).toBeUndefined();
    expect(Number(moved?.Attributes?.ApproximateReceiveCount)).toBeGreaterThanOrEqual(MAX_RECEIVE_COUNT);
    const reasons = queueWarnings.filter(
      (warning) => warning.extra.receiveCount !== undefined && String(warning.extra.error ?? '').length > 0,
    );
    expect(reasons.map((warning) => warning.extra.receiveCount)).toEqual(
      expect.arrayContaining(['1', '2', String(MAX_RECEIVE_COUNT)]),
    );
    expect(reasons[0]?.extra.error).toMatchObject({ name: 'ProvisionedThroughputExceededException' });
    expect(await readModels.getView(POISON_WALLET)).toBeUndefined();
  }, 30_000);
});
