import { type Message, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqsClient } from '../../functions/adapters/sqs/client.ts';
import { parseJobMessage } from '../../functions/adapters/sqs/jobs-queue.ts';
import { jobQueueFromEnv } from '../../functions/composition/job-queue.ts';
import type { LocalRuntime } from '../../functions/local/runtime.ts';
import type { JobMessage } from '../../functions/ports/jobs.ts';
import { ENV, type FunctionSpec } from '../../lib/wiring.ts';
import { startTestRuntime } from '../support/local.ts';

/**
 * The local jobs queue: the runtime creates it (standard, with a DLQ), tells the handlers its URL
 * (ENV.jobsQueueUrl), and polls it for every `jobs-queue` trigger of the wiring it runs, here one
 * fixture runner. Pages reach the runner as Lambda SQS events; a page that keeps failing goes to
 * the jobs DLQ after the trigger's maxReceiveCount receives.
 */
const MAX_RECEIVE_COUNT = 3;
const BATCH_SIZE = 2;

const runner: FunctionSpec = {
  name: 'fixture-jobs-runner',
  entry: 'test/fixtures/jobs-queue-handler.ts',
  description: 'test fixture: fails pages of poison jobs',
  memoryMb: 128,
  timeoutSeconds: 5,
  triggers: [
    { kind: 'jobs-queue', batchSize: BATCH_SIZE, maxConcurrency: 2, maxReceiveCount: MAX_RECEIVE_COUNT },
  ],
  tableAccess: 'read',
  sendsToJobsQueue: true,
};

let runtime: LocalRuntime;
let sqs: SQSClient;
const delivered: SQSEvent[] = [];
const records = (): SQSRecord[] => delivered.flatMap((event) => event.Records);
const recordsOf = (jobId: string): SQSRecord[] =>
  records().filter((record) => parseJobMessage(record.body).jobId === jobId);

beforeAll(async () => {
  runtime = await startTestRuntime({
    functions: [runner],
    // 1-second visibility: a failed page is back in a second, a poison one in the DLQ in ~3 s.
    jobsQueue: { visibilityTimeoutSeconds: 1, waitTimeSeconds: 1 },
    wrapHandler: (_spec, handler) => async (event, context) => {
      delivered.push(structuredClone(event as SQSEvent));
      return handler(event, context);
    },
  });
  sqs = createSqsClient({ endpoint: runtime.sqsEndpoint });
});

afterAll(async () => {
  sqs?.destroy();
  await runtime?.stop();
});

const page = (
  jobId: string,
  segment: number,
  pageNumber: number,
  cursor: string | null = null,
): JobMessage => ({
  jobId,
  segment,
  page: pageNumber,
  cursor,
});

async function receiveAll(queueUrl: string): Promise<Message[]> {
  const found: Message[] = [];
  for (let round = 0; round < 20; round++) {
    const result = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 600,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const messages = result.Messages ?? [];
    if (messages.length === 0) break;
    found.push(...messages);
  }
  return found;
}

describe('the local jobs queue', () => {
  it('is a standard queue with its own DLQ, and its URL is in ENV.jobsQueueUrl for the handlers', () => {
    expect(runtime.jobsQueueUrl).toMatch(/\/tally-jobs$/);
    expect(runtime.jobsDlqUrl).toMatch(/\/tally-jobs-dlq$/);
    expect(runtime.jobsQueueUrl).not.toBe(runtime.eventsQueueUrl);
    expect(process.env[ENV.jobsQueueUrl]).toBe(runtime.jobsQueueUrl);
    // One poller per jobs-queue trigger; the events queue has no consumer in this wiring.
    expect(runtime.jobsQueuePollers).toHaveLength(1);
    expect(runtime.queuePollers).toHaveLength(0);
  });

  it('delivers pages sent to the jobs queue to the runner as Lambda SQS events, each once', async () => {
    const cursor = JSON.stringify({ pk: { S: 'WALLET#w-1' }, sk: { S: 'VIEW#WALLET' } });
    const pages = [page('job-ok', 0, 0), page('job-ok', 1, 0), page('job-ok', 0, 1, cursor)];
    await jobQueueFromEnv().send(pages);
    await runtime.whenJobsIdle({ timeoutMs: 10_000 });

    const received = recordsOf('job-ok');
    expect(received.map((record) => parseJobMessage(record.body))).toEqual(expect.arrayContaining(pages));
    expect(received).toHaveLength(pages.length);
    expect(delivered.every((event) => event.Records.length >= 1 && event.Records.length <= BATCH_SIZE)).toBe(
      true,
    );
    for (const record of received) {
      expect(record).toEqual({
        messageId: expect.any(String),
        receiptHandle: expect.any(String),
        body: expect.any(String),
        attributes: expect.objectContaining({
          ApproximateReceiveCount: '1',
          SentTimestamp: expect.stringMatching(/^\d+$/),
          SenderId: expect.any(String),
          ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d+$/),
        }),
        messageAttributes: {},
        md5OfBody: expect.stringMatching(/^[0-9a-f]{32}$/),
        eventSource: 'aws:sqs',
        eventSourceARN: expect.stringMatching(/^arn:aws:sqs:[^:]+:\d+:tally-jobs$/),
        awsRegion: expect.any(String),
      });
    }
    // A standard queue: no FIFO attributes.
    expect(received.every((record) => record.attributes.MessageGroupId === undefined)).toBe(true);
    expect(await receiveAll(runtime.jobsDlqUrl)).toEqual([]);
  });

  it('moves a page that keeps failing to the jobs DLQ after maxReceiveCount receives, keeping the rest', async () => {
    const poison = page('poison-job', 0, 7, '{"pk":{"S":"WALLET#w-9"}}');
    const healthy = page('job-after-poison', 0, 0);
    await jobQueueFromEnv().send([poison, healthy]);
    await runtime.whenJobsIdle({ timeoutMs: 20_000 });

    // The runner saw the poison page exactly maxReceiveCount times, then SQS redrove it.
    const attempts = recordsOf('poison-job');
    expect(attempts.map((record) => record.attributes.ApproximateReceiveCount).sort()).toEqual(
      Array.from({ length: MAX_RECEIVE_COUNT }, (_, index) => String(index + 1)),
    );
    expect(new Set(attempts.map((record) => record.messageId)).size).toBe(1);
    expect(recordsOf('job-after-poison')).toHaveLength(1);

    const dead = await receiveAll(runtime.jobsDlqUrl);
    expect(dead.map((message) => parseJobMessage(message.Body ?? ''))).toEqual([poison]);
    expect(dead[0]?.MessageId).toBe(attempts[0]?.messageId);
    // The events queue is not where jobs go.
    expect(await receiveAll(runtime.eventsDlqUrl)).toEqual([]);
  });

  it('drains the jobs queue before it stops, retries included', async () => {
    // Fails on its first receive: only a stop that waits for the queue sees its second one.
    const flaky = page('flaky-job', 2, 5);
    await jobQueueFromEnv().send([flaky]);
    await expect.poll(() => recordsOf('flaky-job').length, { timeout: 5_000 }).toBe(1);
    await runtime.stop();
    const attempts = recordsOf('flaky-job');
    expect(attempts.map((record) => record.attributes.ApproximateReceiveCount)).toEqual(['1', '2']);
    expect(attempts.map((record) => parseJobMessage(record.body))).toEqual([flaky, flaky]);
  });
});
