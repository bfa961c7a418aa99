/**
 * The SQS side of a function instance: its client and queues. Reached only through `import()`
 * (adapters.ts, lambda.ts), never statically: the SQS client is a second AWS SDK package, 20–40 ms
 * to load, and most functions that can send (ingest's dead letters, the job runners' next pages,
 * replay and backtest starting a job) do not on most invocations — GET /replay/{id} never does. A
 * function loads it with its first send. A bundle test keeps `@aws-sdk/client-sqs` out of their
 * cold starts (test/unit/bundling/cold-path.test.ts). The jobs queue is in sqs-jobs.ts: ingest's
 * dead letters load this chunk, and what a lazy chunk holds of a shared module (zod) is in the cold
 * start of every function whose graph reaches it.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { createSqsClient } from '#adapters/sqs/client.ts';
import { SqsDeadLetterQueue } from '#adapters/sqs/dead-letters.ts';
import { SqsEventsQueue } from '#adapters/sqs/events-queue.ts';
import type { DeadLetterSink } from '#ports/dead-letters.ts';
import { sqsEndpointFromEnv } from './config.ts';

let sqs: { endpoint: string | undefined; client: SQSClient } | undefined;

/** This function instance's SQS client, on ENV.sqsEndpoint when set (only locally). */
export function sqsClientFromEnv(): SQSClient {
  const endpoint = sqsEndpointFromEnv();
  // Rebuilt only if the endpoint changed: one process hosts one local runtime at a time, but tests
  // start several runtimes one after another, each with its own emulator port.
  if (sqs === undefined || sqs.endpoint !== endpoint) {
    sqs?.client.destroy();
    sqs = { endpoint, client: createSqsClient(endpoint === undefined ? {} : { endpoint }) };
  }
  return sqs.client;
}

export const eventsQueueOn = (queueUrl: string): SqsEventsQueue =>
  new SqsEventsQueue(sqsClientFromEnv(), queueUrl);

export const deadLettersOn = (queueUrl: string): DeadLetterSink =>
  new SqsDeadLetterQueue(sqsClientFromEnv(), queueUrl);
