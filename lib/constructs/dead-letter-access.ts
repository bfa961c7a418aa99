import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { ENV } from '../wiring.ts';
import type { TallyFunction } from './tally-function.ts';

interface QueueAndDlq {
  queue: sqs.IQueue;
  dlq: sqs.IQueue;
}

/**
 * What the dead-letters function (wiring `redrivesDeadLetters`) needs, and nothing more: each
 * DLQ's and source queue's URL, consuming the DLQs (receive, re-show, delete: listing and
 * redriving) and sending to the source queues. No table access: a redriven CloudEvent is ingested
 * by the ingest function like any other.
 */
export function grantDeadLetterRedrive(
  fn: TallyFunction,
  queues: { events?: QueueAndDlq | undefined; jobs?: QueueAndDlq | undefined },
): void {
  const pairs = [
    [queues.events, ENV.eventsQueueUrl, ENV.eventsDlqUrl],
    [queues.jobs, ENV.jobsQueueUrl, ENV.jobsDlqUrl],
  ] as const;
  for (const [pair, queueEnv, dlqEnv] of pairs) {
    if (pair === undefined) continue;
    fn.function.addEnvironment(queueEnv, pair.queue.queueUrl);
    fn.function.addEnvironment(dlqEnv, pair.dlq.queueUrl);
    pair.dlq.grantConsumeMessages(fn.role);
    pair.queue.grantSendMessages(fn.role);
  }
}
