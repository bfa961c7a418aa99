import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface DeadLetterAlarmsProps {
  /** Actions of every alarm (for example an SNS topic's `SnsAction`). @default none */
  alarmActions?: readonly cloudwatch.IAlarmAction[];
}

/**
 * The stack's alarms: one per dead-letter or on-failure queue, raised when anything waits in it.
 * Queues are created by the constructs that own them (ingest, jobs, projector) and registered here.
 */
export class DeadLetterAlarms extends Construct {
  /** Keyed by the queue's construct id: `EventsDlq`, `JobsDlq`, `ProjectStreamsStreamFailures`, ... */
  readonly byQueue: ReadonlyMap<string, cloudwatch.Alarm>;
  private readonly alarms = new Map<string, cloudwatch.Alarm>();
  private readonly actions: readonly cloudwatch.IAlarmAction[];

  constructor(scope: Construct, id: string, props: DeadLetterAlarmsProps = {}) {
    super(scope, id);
    this.actions = props.alarmActions ?? [];
    this.byQueue = this.alarms;
  }

  /**
   * An alarm when anything waits in the queue: the maximum of ApproximateNumberOfMessagesVisible
   * over 5 minutes is ≥ 1, for one datapoint. SQS stops publishing metrics for a queue idle for six
   * hours, so missing data keeps the alarm's state (a DLQ nobody has looked at stays in ALARM)
   * instead of turning it OK.
   */
  alarmOnDepth(queueId: string, queue: sqs.IQueue, description: string): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, `${queueId}Alarm`, {
      alarmDescription: description,
      metric: queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    });
    if (this.actions.length > 0) alarm.addAlarmAction(...this.actions);
    this.alarms.set(queueId, alarm);
    return alarm;
  }
}

/** How every Tally dead-letter queue is made. */
export interface DeadLetterQueueProps {
  alarms: DeadLetterAlarms;
  removalPolicy: RemovalPolicy;
  /** Why this queue needs no DLQ of its own (cdk-nag AwsSolutions-SQS3). */
  nagReason: string;
  alarmDescription: string;
  /** FIFO settings when the queue it serves is FIFO. */
  queueProps?: Partial<sqs.QueueProps>;
}

/**
 * An encrypted, TLS-only queue that keeps messages 14 days (the longest SQS keeps one: dead letters
 * wait for a person), with a depth alarm. Used for DLQs and for event-source on-failure queues.
 */
export function deadLetterQueue(scope: Construct, id: string, props: DeadLetterQueueProps): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    ...props.queueProps,
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    removalPolicy: props.removalPolicy,
  });
  Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason: props.nagReason });
  props.alarms.alarmOnDepth(id, queue, props.alarmDescription);
  return queue;
}

/** AWS guidance: a queue's visibility timeout is at least six times its consumer's timeout. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

/** A queue and its dead-letter queue (the events queue, the jobs queue). */
export interface QueuePair {
  queue: sqs.Queue;
  dlq: sqs.Queue;
}
