/**
 * The compositions of the functions that send to SQS: the events API and ingest (dead letters); the
 * job runner and the job-starting routes (replay, backtest) send through job-queue.ts. In a module
 * of its own because the SQS client is loaded by `import('./sqs.ts')` on the first send, and esbuild writes that chunk,
 * and moves into the eager chunks what it shares with the entry, for every bundle whose module
 * graph holds the `import()` — even where the calling code is shaken out. Here, only these
 * functions' bundles hold it (a bundle test checks the others' cold starts carry no SQS path).
 */

import { systemClock } from '#adapters/clock.ts';
import { canonicalJson } from '#adapters/dynamodb/event-hash.ts';
import type { SqsEventsQueue } from '#adapters/sqs/events-queue.ts';
import { toMessageBody } from '#adapters/sqs/message-body.ts';
import { ENV } from '#lib/wiring.ts';
import { logger } from '#observability/powertools.ts';
import { withRequestTrace } from '#observability/traced-ports.ts';
import type { DeadLetterSink } from '#ports/dead-letters.ts';
import { queueUrlFromEnv } from './config.ts';

const sqs = () => import('./sqs.ts');

/**
 * The events queue of this function instance (ENV.eventsQueueUrl, read now); the SQS client loads
 * with the first send (composition/sqs.ts says why).
 */
export function eventsQueueFromEnv(): Pick<SqsEventsQueue, 'send'> {
  const queueUrl = queueUrlFromEnv(ENV.eventsQueueUrl);
  return { send: async (events) => (await sqs()).eventsQueueOn(queueUrl).send(events) };
}

/**
 * The events DLQ of this function instance (ENV.eventsDlqUrl, read now: a function without it fails
 * at once). The SQS client loads with the first dead letter (composition/sqs.ts says why).
 */
export function deadLettersFromEnv(): DeadLetterSink {
  const queueUrl = queueUrlFromEnv(ENV.eventsDlqUrl);
  return { send: async (letter) => (await sqs()).deadLettersOn(queueUrl).send(letter) };
}

/** `POST /events`: the events queue, and how a queued message body is written. */
export const eventsDeps = () => ({ queue: eventsQueueFromEnv(), log: logger, clock: systemClock });
export const eventFormats = {
  canonicalJson,
  // The queued CloudEvent carries the request's traceparent (unless it has its own): ingest continues it.
  messageBody: (event: unknown) => toMessageBody(withRequestTrace(event)),
} as const;
