import { createSqsClient } from '#adapters/sqs/client.ts';
import { type QueuePair, SqsDeadLetterQueues } from '#adapters/sqs/dead-letter-queues.ts';
import { ENV } from '#lib/wiring.ts';
import type { DeadLetterQueueName, DeadLetterQueues } from '#ports/dead-letter-queues.ts';
import { sqsEndpointFromEnv } from './config.ts';

let built: DeadLetterQueues | undefined;

/**
 * The dead-letter queues this function may read and redrive: each DLQ whose URL and source queue
 * URL are in its environment (the stack passes both pairs to the dead-letters function; the local
 * runtime sets them for every handler).
 */
export function deadLetterQueuesFromEnv(env: NodeJS.ProcessEnv = process.env): DeadLetterQueues {
  if (built !== undefined) return built;
  const pair = (dlq: string | undefined, source: string | undefined): QueuePair | undefined =>
    dlq && source ? { dlqUrl: dlq, sourceUrl: source } : undefined;
  const queues: Partial<Record<DeadLetterQueueName, QueuePair>> = {};
  const events = pair(env[ENV.eventsDlqUrl], env[ENV.eventsQueueUrl]);
  const jobs = pair(env[ENV.jobsDlqUrl], env[ENV.jobsQueueUrl]);
  if (events) queues.events = events;
  if (jobs) queues.jobs = jobs;
  const endpoint = sqsEndpointFromEnv(env);
  built = new SqsDeadLetterQueues(createSqsClient(endpoint === undefined ? {} : { endpoint }), queues);
  return built;
}
