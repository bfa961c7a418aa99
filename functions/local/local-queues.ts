import type { SQSClient } from '@aws-sdk/client-sqs';
import { LOCAL_REGION } from '#adapters/local/dynamodb-local.ts';
import { type EventsQueues, ensureEventsQueues, type LocalSqs } from '#adapters/local/sqs-local.ts';
import { createSqsClient } from '#adapters/sqs/client.ts';
import type { FunctionSpec } from '#lib/wiring.ts';
import { type QueueConsumer, QueuePoller, type QueuePollerOptions } from './queue-poller.ts';
import type { LocalJobsQueueOptions, LocalQueuesOptions } from './runtime-options.ts';

/**
 * The local SQS side of the runtime: the events queue and the jobs queue (each with its DLQ, the
 * redrive count from the wiring table's trigger), their pollers, and draining them before the
 * in-memory emulator goes.
 */
export interface LocalQueues {
  client: SQSClient;
  sqsEndpoint: string;
  events: EventsQueues;
  jobs: EventsQueues;
}

export async function createLocalQueues(
  sqs: LocalSqs,
  functions: readonly FunctionSpec[],
  options: { queues?: LocalQueuesOptions | undefined; jobsQueue?: LocalJobsQueueOptions | undefined },
): Promise<LocalQueues> {
  const client = createSqsClient({ endpoint: sqs.endpoint, region: LOCAL_REGION });
  const triggers = functions.flatMap((spec) => spec.triggers ?? []);
  const eventsTrigger = triggers.find((trigger) => trigger.kind === 'events-queue');
  const jobsTrigger = triggers.find((trigger) => trigger.kind === 'jobs-queue');
  const events = await ensureEventsQueues(client, {
    fifo: options.queues?.fifo ?? false,
    maxReceiveCount: eventsTrigger?.maxReceiveCount ?? 5,
    visibilityTimeoutSeconds: options.queues?.visibilityTimeoutSeconds ?? 2,
  });
  const jobs = await ensureEventsQueues(client, {
    name: 'tally-jobs',
    fifo: false,
    maxReceiveCount: jobsTrigger?.maxReceiveCount ?? 5,
    visibilityTimeoutSeconds: options.jobsQueue?.visibilityTimeoutSeconds ?? 30,
  });
  return { client, sqsEndpoint: sqs.endpoint, events, jobs };
}

/** One started poller per consumer of the queue, as Lambda runs one event source mapping each. */
export function startQueuePollers(
  client: SQSClient,
  queue: EventsQueues,
  consumers: readonly QueueConsumer[],
  options: Pick<QueuePollerOptions, 'waitTimeSeconds' | 'concurrency'> | undefined,
  log: (line: string) => void,
): QueuePoller[] {
  return consumers.map((consumer) => {
    const poller = new QueuePoller({
      client,
      queueUrl: queue.queueUrl,
      queueArn: queue.queueArn,
      consumer,
      region: LOCAL_REGION,
      log,
      ...(options?.waitTimeSeconds === undefined ? {} : { waitTimeSeconds: options.waitTimeSeconds }),
      ...(options?.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      ...(queue.visibilityTimeoutSeconds === undefined
        ? {}
        : { visibilityTimeoutSeconds: queue.visibilityTimeoutSeconds }),
    });
    poller.start();
    return poller;
  });
}

/** Waits (bounded) for a queue to empty before its in-memory emulator stops; says what is lost if not. */
export async function drainQueues(
  queue: string,
  pollers: readonly QueuePoller[],
  timeoutMs: number,
  log: (line: string) => void,
): Promise<void> {
  if (timeoutMs <= 0) return;
  try {
    await Promise.all(pollers.map((queuePoller) => queuePoller.whenIdle({ timeoutMs })));
  } catch (error) {
    log(
      `local ${queue} queue not drained before stopping; its remaining messages are lost unless a data dir keeps them (the queue journal): ${String(error)}`,
    );
  }
}
