import { setTimeout as sleepFor } from 'node:timers/promises';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import type { FunctionSpec, TriggerSpec } from '#lib/wiring.ts';
import { BackgroundLoops } from './background-loops.ts';
import { type LambdaHandler, lambdaContext, localAccountId } from './lambda.ts';

/**
 * The local stand-in for Lambda's SQS event source mapping: long-polls the queue, invokes the
 * consumer with batches shaped exactly like Lambda's (`SQSEvent`), deletes the messages that
 * succeeded and leaves the failed ones (the partial batch response, or all of them when the
 * handler throws) to reappear after the visibility timeout, so the queue's redrive policy moves a
 * message that keeps failing to the DLQ after `maxReceiveCount` receives, as in AWS.
 *
 * Differences from the managed service, on purpose:
 * - A batch is one ReceiveMessage (at most 10 messages, fewer if `batchSize` is smaller) with no
 *   batching window: ingest lag matters more here than invocation count.
 * - The same poller serves the events queue (ingest) and the jobs queue (admin job pages).
 * - `concurrency` pollers run at once (default: the trigger's `maxConcurrency`, at most 4), each
 *   invoking the handler in this process; Lambda scales pollers with the queue's depth.
 */

export type EventsQueueTrigger = Extract<TriggerSpec, { kind: 'events-queue' }>;
export type JobsQueueTrigger = Extract<TriggerSpec, { kind: 'jobs-queue' }>;
/** The triggers an SQS event source mapping serves: the events queue and the jobs queue. */
export type SqsQueueTrigger = EventsQueueTrigger | JobsQueueTrigger;

export interface QueueConsumer {
  spec: FunctionSpec;
  trigger: SqsQueueTrigger;
  handler: LambdaHandler;
}

export interface QueuePollerOptions {
  client: SQSClient;
  queueUrl: string;
  queueArn: string;
  consumer: QueueConsumer;
  region: string;
  /** Long-poll wait of each ReceiveMessage. @default 1 */
  waitTimeSeconds?: number;
  /** Pollers at once. @default min(trigger.maxConcurrency, 4) */
  concurrency?: number;
  /**
   * The queue's visibility timeout. Given, a batch being handled is kept hidden (its visibility
   * extended every half timeout) until the handler returns: the short local timeout brings a
   * failed message back soon, but never delivers one twice while it is still being handled.
   */
  visibilityTimeoutSeconds?: number;
  log?: (line: string) => void;
}

export interface QueuePollerStats {
  receives: number;
  messagesReceived: number;
  invocations: number;
  messagesDeleted: number;
  /** Messages left on the queue for another try (failed records, or all of a thrown batch). */
  messagesFailed: number;
}

/** ReceiveMessage takes at most 10. */
const RECEIVE_MESSAGES_MAX = 10;

/**
 * The failed records of a batch by Lambda's partial-batch rules: none when the handler returned no
 * result or an empty `batchItemFailures`; all of them when an identifier is empty or names no
 * record of the batch (Lambda then treats the whole batch as failed).
 */
export function failedMessageIds(result: unknown, batch: readonly SQSRecord[]): Set<string> {
  const all = new Set(batch.map((record) => record.messageId));
  if (typeof result !== 'object' || result === null) return new Set();
  const failures = (result as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return all;
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !all.has(id)) return all;
    failed.add(id);
  }
  return failed;
}

/** An SQS message as Lambda's SQS event source hands it to a function. */
export function toLambdaRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const system = message.Attributes ?? {};
  const messageAttributes: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      dataType: value.DataType ?? 'String',
      ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
      ...(value.BinaryValue === undefined
        ? {}
        : { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }),
      stringListValues: [],
      binaryListValues: [],
    };
  }
  const now = String(Date.now());
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: system.ApproximateReceiveCount ?? '1',
      SentTimestamp: system.SentTimestamp ?? now,
      SenderId: system.SenderId ?? localAccountId,
      ApproximateFirstReceiveTimestamp: system.ApproximateFirstReceiveTimestamp ?? now,
      ...(system.SequenceNumber === undefined ? {} : { SequenceNumber: system.SequenceNumber }),
      ...(system.MessageGroupId === undefined ? {} : { MessageGroupId: system.MessageGroupId }),
      ...(system.MessageDeduplicationId === undefined
        ? {}
        : { MessageDeduplicationId: system.MessageDeduplicationId }),
      ...(system.AWSTraceHeader === undefined ? {} : { AWSTraceHeader: system.AWSTraceHeader }),
    },
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes === undefined
      ? {}
      : { md5OfMessageAttributes: message.MD5OfMessageAttributes }),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

export class QueuePoller {
  private readonly loops = new BackgroundLoops();
  private readonly waitTimeSeconds: number;
  private readonly concurrency: number;
  private readonly batchSize: number;
  private readonly log: (line: string) => void;
  private started = false;
  private inFlight = 0;
  readonly stats: QueuePollerStats = {
    receives: 0,
    messagesReceived: 0,
    invocations: 0,
    messagesDeleted: 0,
    messagesFailed: 0,
  };

  constructor(private readonly options: QueuePollerOptions) {
    const { trigger, spec } = options.consumer;
    if (trigger.batchSize < 1) throw new Error(`${spec.name}: batchSize must be at least 1`);
    this.batchSize = Math.min(trigger.batchSize, RECEIVE_MESSAGES_MAX);
    this.waitTimeSeconds = options.waitTimeSeconds ?? 1;
    this.concurrency = Math.max(1, options.concurrency ?? Math.min(trigger.maxConcurrency, 4));
    this.log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  }

  start(): void {
    if (this.started) throw new Error('QueuePoller.start: already started');
    this.started = true;
    for (let index = 0; index < this.concurrency; index++) this.loops.track(this.pollLoop());
  }

  /** Stops polling and waits for the loops to end (a batch being handled is let finish). */
  async stop(): Promise<void> {
    await this.loops.stop();
  }

  /**
   * Resolves once the queue holds no message at all (visible, in flight or delayed) and no batch
   * is being handled: every message sent before the call has been ingested, or dead-lettered
   * (a failing one only after its receive limit). For tests, benchmarks and a graceful stop.
   */
  async whenIdle(options: { timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const deadline = Date.now() + timeoutMs;
    let counts = '';
    for (;;) {
      if (this.loops.stopped) throw new Error('QueuePoller.whenIdle: the poller is stopped');
      if (this.inFlight === 0) {
        const result = await this.options.client.send(
          new GetQueueAttributesCommand({
            QueueUrl: this.options.queueUrl,
            AttributeNames: [
              'ApproximateNumberOfMessages',
              'ApproximateNumberOfMessagesNotVisible',
              'ApproximateNumberOfMessagesDelayed',
            ],
          }),
        );
        const attributes = result.Attributes ?? {};
        const visible = Number(attributes.ApproximateNumberOfMessages ?? 0);
        const hidden = Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
        const delayed = Number(attributes.ApproximateNumberOfMessagesDelayed ?? 0);
        counts = `${visible} visible, ${hidden} in flight, ${delayed} delayed`;
        if (visible + hidden + delayed === 0 && this.inFlight === 0) return;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `QueuePoller.whenIdle: not idle after ${timeoutMs} ms (${counts || 'not yet asked'}; ${this.inFlight} batches being handled)`,
        );
      }
      await sleepFor(10);
    }
  }

  private async pollLoop(): Promise<void> {
    const { client, queueUrl } = this.options;
    let failures = 0;
    while (!this.loops.stopped) {
      let messages: Message[];
      try {
        this.stats.receives++;
        const result = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: this.batchSize,
            WaitTimeSeconds: this.waitTimeSeconds,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: this.loops.signal },
        );
        messages = result.Messages ?? [];
        failures = 0;
      } catch (error) {
        if (this.loops.stopped) return;
        failures++;
        if (failures === 1 || failures % 10 === 0) {
          this.log(`queue poller: ReceiveMessage failed (${failures}x): ${String(error)}`);
        }
        await this.loops.pause(Math.min(2_000, 100 * 2 ** Math.min(failures, 5)));
        continue;
      }
      if (messages.length === 0) continue;
      this.stats.messagesReceived += messages.length;
      this.inFlight++;
      try {
        await this.deliver(messages);
      } finally {
        this.inFlight--;
      }
    }
  }

  private async deliver(messages: Message[]): Promise<void> {
    const { consumer, queueArn, region, client, queueUrl } = this.options;
    const records = messages.map((message) => toLambdaRecord(message, queueArn, region));
    let failed: Set<string>;
    this.stats.invocations++;
    const heartbeat = this.keepHidden(records);
    try {
      const result = await consumer.handler(
        { Records: records } satisfies SQSEvent,
        lambdaContext(consumer.spec, region),
      );
      failed = failedMessageIds(result, records);
    } catch (error) {
      failed = new Set(records.map((record) => record.messageId));
      this.log(
        `queue poller: ${consumer.spec.name} failed a batch of ${records.length}; the messages come back after the visibility timeout: ` +
          (error instanceof Error ? (error.stack ?? error.message) : String(error)),
      );
    } finally {
      clearInterval(heartbeat);
    }
    this.stats.messagesFailed += failed.size;
    const done = records.filter((record) => !failed.has(record.messageId));
    if (done.length === 0) return;
    try {
      const result = await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: done.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
        }),
      );
      this.stats.messagesDeleted += result.Successful?.length ?? 0;
      if ((result.Failed ?? []).length > 0) {
        // Lambda would retry the delete; here the message comes back and is a duplicate by id.
        this.log(
          `queue poller: deleting ${result.Failed?.length} handled message(s) failed; they will be delivered again`,
        );
      }
    } catch (error) {
      this.log(
        `queue poller: DeleteMessageBatch failed; the handled messages will be delivered again: ${String(error)}`,
      );
    }
  }

  /**
   * Extends the batch's visibility every half timeout while it is handled, as Lambda's event
   * source keeps a batch in flight for its function's timeout. A slow handler (a loaded machine)
   * would otherwise see its own batch delivered again mid-way, and every such duplicate costs a
   * failed write and a look-up. A failed extension only lets the duplicate through: logged once.
   */
  private keepHidden(records: readonly SQSRecord[]): ReturnType<typeof setInterval> | undefined {
    const seconds = this.options.visibilityTimeoutSeconds;
    if (seconds === undefined || seconds <= 0) return undefined;
    let warned = false;
    const timer = setInterval(
      () => {
        this.options.client
          .send(
            new ChangeMessageVisibilityBatchCommand({
              QueueUrl: this.options.queueUrl,
              Entries: records.map((record, index) => ({
                Id: String(index),
                ReceiptHandle: record.receiptHandle,
                VisibilityTimeout: seconds,
              })),
            }),
          )
          .catch((error: unknown) => {
            if (warned) return;
            warned = true;
            this.log(`queue poller: could not keep a batch hidden while it is handled: ${String(error)}`);
          });
      },
      (seconds * 1000) / 2,
    );
    timer.unref();
    return timer;
  }
}
