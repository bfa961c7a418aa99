import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { FunctionSpec, TriggerSpec } from '../wiring.ts';
import {
  type DeadLetterAlarms,
  deadLetterQueue,
  type QueuePair,
  VISIBILITY_TIMEOUT_FACTOR,
} from './alarms.ts';
import type { TallyFunction } from './tally-function.ts';

type JobsQueueTrigger = Extract<TriggerSpec, { kind: 'jobs-queue' }>;

export interface JobsProps {
  specs: readonly FunctionSpec[];
  alarms: DeadLetterAlarms;
  removalPolicy: RemovalPolicy;
}

/**
 * Long admin jobs (replaying or backtesting every wallet): the jobs queue carries one page per
 * message, so a job is bound by neither API Gateway's 30 s nor one Lambda's 15 minutes.
 */
export class Jobs extends Construct {
  /** The jobs queue and its DLQ; undefined when no wiring function consumes the queue. */
  readonly queues: QueuePair | undefined;

  constructor(scope: Construct, id: string, props: JobsProps) {
    super(scope, id);
    this.queues = this.createJobsQueue(props);
  }

  /** No batching window: a page is picked up as soon as it is sent (the trigger has none). */
  addQueueTrigger(spec: FunctionSpec, fn: TallyFunction, trigger: JobsQueueTrigger): void {
    if (this.queues === undefined) throw new Error(`${spec.name}: the jobs queue was not created`);
    fn.function.addEventSource(
      new SqsEventSource(this.queues.queue, {
        batchSize: trigger.batchSize,
        reportBatchItemFailures: true,
        maxConcurrency: trigger.maxConcurrency,
      }),
    );
  }

  /**
   * A standard queue (pages of a job need no order; the job store counts a page delivered twice
   * once), sized for its slowest consumer. None when no function consumes it.
   */
  private createJobsQueue({ specs, alarms, removalPolicy }: JobsProps): QueuePair | undefined {
    const consumers = specs.flatMap((spec) =>
      (spec.triggers ?? [])
        .filter((trigger): trigger is JobsQueueTrigger => trigger.kind === 'jobs-queue')
        .map((trigger) => ({ spec, trigger })),
    );
    const [first] = consumers;
    if (first === undefined) return undefined;
    // The queue has one redrive policy, so its consumers must agree on the receive limit.
    const limits = new Set(consumers.map(({ trigger }) => trigger.maxReceiveCount));
    if (limits.size > 1) {
      throw new Error(
        `the jobs queue has one receive limit; its consumers disagree: ${consumers
          .map(({ spec, trigger }) => `${spec.name} maxReceiveCount ${trigger.maxReceiveCount}`)
          .join(', ')}`,
      );
    }
    const slowest = Math.max(...consumers.map(({ spec }) => spec.timeoutSeconds));
    const dlq = deadLetterQueue(this, 'JobsDlq', {
      alarms,
      removalPolicy,
      nagReason: 'This queue is the dead-letter queue of the jobs queue; it needs no DLQ of its own.',
      alarmDescription:
        'Pages of admin jobs (replay, backtest) that failed their receive limit are waiting in the jobs DLQ; their jobs stay running until the pages are redriven',
    });
    const queue = new sqs.Queue(this, 'JobsQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // A page is invisible while its invocation runs, with room for Lambda's retries of throttled
      // invocations: AWS's six times the function timeout (of the slowest consumer).
      visibilityTimeout: Duration.seconds(VISIBILITY_TIMEOUT_FACTOR * slowest),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: dlq, maxReceiveCount: first.trigger.maxReceiveCount },
      removalPolicy,
    });
    return { queue, dlq };
  }
}
