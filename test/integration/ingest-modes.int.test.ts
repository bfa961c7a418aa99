import { type Message, ReceiveMessageCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { CloudEvent, HTTP, Kafka } from 'cloudevents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoReadModelStore } from '../../functions/adapters/dynamodb/read-models.ts';
import { createSqsClient } from '../../functions/adapters/sqs/client.ts';
import type { LambdaHandler } from '../../functions/local/lambda.ts';
import type { LocalRuntime } from '../../functions/local/runtime.ts';
import { header, lambdaContext, mskEvent, mskRecord } from '../fixtures/bus-events.ts';
import { startTestRuntime, testDocumentClient } from '../support/local.ts';

/**
 * The CloudEvents modes on the buses end to end, with the official `cloudevents` SDK writing the
 * messages: SQS messages sent to the local events queue (fauxqs) in binary mode (`ce-`/`ce_`
 * message attributes), structured and batch, taken by the queue poller into the ingest-queue
 * handler; Kafka records in the SDK's binary (`ce_` headers) and structured modes, and a batch
 * record, given to the ingest-kafka handler as the MSK event source would (no broker runs here).
 * Every event lands once against DynamoDB Local; an invalid event of a batch reaches the DLQ alone.
 */

let runtime: LocalRuntime;
let sqs: SQSClient;
let readModels: DynamoReadModelStore;
let ingestKafka: LambdaHandler;

beforeAll(async () => {
  runtime = await startTestRuntime({ queues: { visibilityTimeoutSeconds: 20, drainOnStopMs: 0 } });
  // Imported once the runtime has set the environment its logger and metrics read at load.
  ingestKafka = (await import('../../functions/handlers/ingest-kafka.ts')).handler as LambdaHandler;
  sqs = createSqsClient({ endpoint: runtime.sqsEndpoint });
  readModels = new DynamoReadModelStore(testDocumentClient(), runtime.tableName);
});

afterAll(async () => {
  sqs?.destroy();
  await runtime?.stop();
});

const deposit = (id: string, amount: string, subject: string) =>
  new CloudEvent({
    specversion: '1.0',
    id,
    source: 'bank-app',
    type: 'wallet.deposit',
    subject,
    time: '2026-11-22T09:59:00Z',
    datacontenttype: 'application/json',
    data: { amount },
  });

function send(body: string, attributes: Record<string, unknown> = {}): Promise<unknown> {
  const MessageAttributes = Object.fromEntries(
    Object.entries(attributes)
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => [name, { DataType: 'String', StringValue: String(value) }]),
  );
  return sqs.send(
    new SendMessageCommand({ QueueUrl: runtime.eventsQueueUrl, MessageBody: body, MessageAttributes }),
  );
}

function fromKafka(message: { headers: Record<string, unknown>; value: unknown }, offset: number) {
  const headers = Object.entries(message.headers)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => header(name, String(value)));
  const value = typeof message.value === 'string' ? message.value : JSON.stringify(message.value);
  return mskRecord({ value, headers, offset, topic: 'tally-modes' });
}

async function settled(): Promise<void> {
  await runtime.whenIngested({ timeoutMs: 15_000 });
  await runtime.whenProjected();
}

async function deadLetters(): Promise<Message[]> {
  const letters: Message[] = [];
  for (let round = 0; round < 20; round++) {
    const result = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: runtime.eventsDlqUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 600,
        MessageAttributeNames: ['All'],
      }),
    );
    if ((result.Messages ?? []).length === 0) break;
    letters.push(...(result.Messages ?? []));
  }
  return letters;
}

const attribute = (message: Message | undefined, name: string) =>
  message?.MessageAttributes?.[name]?.StringValue;

describe('CloudEvents modes on SQS and MSK, end to end', () => {
  it('lands every mode once on each bus, delivered twice; an invalid event of a batch reaches the DLQ alone', async () => {
    const binary = HTTP.binary(deposit('int-sqs-bin', '1.00', 'w-modes-sqs'));
    const structured = HTTP.structured(deposit('int-sqs-str', '2.00', 'w-modes-sqs'));
    const batch = JSON.stringify([
      deposit('int-sqs-b0', '4.00', 'w-modes-sqs'),
      {
        ...JSON.parse(JSON.stringify(deposit('int-sqs-b1', '1.00', 'w-modes-sqs'))),
        subject: 'no such wallet',
      },
      deposit('int-sqs-b2', '8.00', 'w-modes-sqs'),
    ]);
    const kafkaRecords = [
      fromKafka(Kafka.binary(deposit('int-k-bin', '1.00', 'w-modes-kafka')), 1),
      fromKafka(Kafka.structured(deposit('int-k-str', '2.00', 'w-modes-kafka')), 2),
      fromKafka(
        {
          headers: { 'content-type': 'application/cloudevents-batch+json' },
          value: JSON.stringify([
            deposit('int-k-b0', '4.00', 'w-modes-kafka'),
            deposit('int-k-b1', '8.00', 'w-modes-kafka'),
          ]),
        },
        3,
      ),
    ];
    for (let round = 0; round < 2; round++) {
      await send(String(binary.body), binary.headers);
      await send(String(structured.body), { 'content-type': 'application/cloudevents+json' });
      await send(batch, { 'content-type': 'application/cloudevents-batch+json' });
      await ingestKafka(mskEvent(kafkaRecords), lambdaContext);
    }
    await settled();

    const sqsView = await readModels.getView('w-modes-sqs');
    expect(sqsView?.balanceMinor).toBe(1_500n);
    expect(sqsView?.depositCount).toBe(4);
    const kafkaView = await readModels.getView('w-modes-kafka');
    expect(kafkaView?.balanceMinor).toBe(1_500n);
    expect(kafkaView?.depositCount).toBe(4);

    const letters = (await deadLetters()).filter((letter) => attribute(letter, 'eventId') === 'int-sqs-b1');
    // Sent twice, dead-lettered for each message (a slow batch may be delivered again, the letter
    // with it): each time with its reason, its own origin and itself as the body.
    expect(new Set(letters.map((letter) => attribute(letter, 'originId'))).size).toBe(2);
    for (const letter of letters) {
      expect(attribute(letter, 'code')).toBe('invalid-event');
      expect(attribute(letter, 'reason')).toMatch(/^subject: does not match the wallet id rule/);
      expect(attribute(letter, 'originId')).toMatch(/#1$/);
      expect(JSON.parse(letter.Body ?? 'null')).toMatchObject({
        id: 'int-sqs-b1',
        subject: 'no such wallet',
      });
    }
  });
});
