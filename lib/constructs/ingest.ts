import { Arn, ArnFormat, Duration, type RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ManagedKafkaEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
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

type EventsQueueTrigger = Extract<TriggerSpec, { kind: 'events-queue' }>;
type KafkaTrigger = Extract<TriggerSpec, { kind: 'kafka' }>;

/** An MSK cluster and the topic of CloudEvents the `kafka` triggers read. */
export interface MskSource {
  /** `arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>` */
  clusterArn: string;
  topic: string;
}

/** Kafka topic names: 1–249 of these characters. */
const KAFKA_TOPIC = /^[A-Za-z0-9._-]{1,249}$/;

export interface IngestProps {
  /** The wiring functions in this deployment (the events queue is sized for its consumer). */
  specs: readonly FunctionSpec[];
  fifo: boolean;
  msk: MskSource | undefined;
  alarms: DeadLetterAlarms;
  removalPolicy: RemovalPolicy;
}

/**
 * Business events in: the events queue and its DLQ (POST /events and other producers send
 * CloudEvents; the ingest function applies them exactly once) and, when configured, an MSK topic.
 */
export class Ingest extends Construct {
  /** The events queue and its DLQ; undefined when no wiring function consumes the queue. */
  readonly queues: QueuePair | undefined;
  readonly msk: MskSource | undefined;
  private readonly props: IngestProps;

  constructor(scope: Construct, id: string, props: IngestProps) {
    super(scope, id);
    this.props = props;
    this.msk = props.msk;
    this.queues = this.createEventsQueue(props.specs, props.fifo);
  }

  /** Feeds a function from the events queue, in batches with partial batch failures. */
  addQueueTrigger(spec: FunctionSpec, fn: TallyFunction, trigger: EventsQueueTrigger): void {
    if (this.queues === undefined) throw new Error(`${spec.name}: the events queue was not created`);
    fn.function.addEventSource(
      new SqsEventSource(this.queues.queue, {
        batchSize: trigger.batchSize,
        // FIFO event sources take no batching window.
        ...(this.props.fifo ? {} : { maxBatchingWindow: Duration.seconds(trigger.maxBatchingWindowSeconds) }),
        reportBatchItemFailures: true,
        maxConcurrency: trigger.maxConcurrency,
      }),
    );
  }

  /**
   * Reads the MSK topic from the oldest record, in a consumer group named after the stack and the
   * function. Batches that still fail after Lambda's retries go to their own on-failure queue: SQS
   * destinations of Kafka mappings receive failure records (topic, partition, offsets), not the
   * events, so they must not mix with the events DLQ, which holds redrivable CloudEvents. Records
   * the handler rejects one by one go to the events DLQ with their reason (sendsToEventsDlq).
   */
  addKafkaTrigger(
    spec: FunctionSpec,
    fn: TallyFunction,
    trigger: KafkaTrigger,
    consumerGroupId: string,
  ): void {
    const msk = this.msk;
    if (msk === undefined) throw new Error(`${spec.name}: kafka trigger without an MSK source`);
    const onFailure = deadLetterQueue(this, `${fn.node.id}KafkaFailures`, {
      alarms: this.props.alarms,
      removalPolicy: this.props.removalPolicy,
      nagReason:
        'This queue is itself the on-failure destination (dead-letter) of an event source mapping; it needs no DLQ of its own.',
      alarmDescription: `Kafka batches that ${spec.name} failed after Lambda's retries (failure records with offsets)`,
    });
    fn.function.addEventSource(
      new ManagedKafkaEventSource({
        clusterArn: msk.clusterArn,
        topic: msk.topic,
        consumerGroupId,
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: trigger.batchSize,
        maxBatchingWindow: Duration.seconds(trigger.maxBatchingWindowSeconds),
        onFailure: new SqsDlq(onFailure),
      }),
    );
    // For clusters with IAM access control (the only kind MSK Serverless has): connect, read this
    // topic, and commit offsets of this consumer group. Nothing else on the cluster.
    const cluster = Arn.split(msk.clusterArn, ArnFormat.SLASH_RESOURCE_NAME);
    const inCluster = (resource: 'topic' | 'group', name: string): string =>
      Arn.format({ ...cluster, resource, resourceName: `${cluster.resourceName}/${name}` });
    const allow = (actions: string[], resource: string) =>
      fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources: [resource] }));
    allow(['kafka-cluster:Connect', 'kafka-cluster:DescribeClusterDynamicConfiguration'], msk.clusterArn);
    allow(['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'], inCluster('topic', msk.topic));
    allow(['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'], inCluster('group', consumerGroupId));
    Validations.of(fn.role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaMSKExecutionRole]',
      reason:
        "ManagedKafkaEventSource attaches AWS's documented minimum for MSK pollers (cluster lookup and the pollers' ENIs in the cluster VPC, whose EC2 actions take no resource scope); only the MSK-reading role gets it.",
    });
  }

  /**
   * The events queue and its DLQ, sized for their one consumer (the function with the
   * `events-queue` trigger). None when no function consumes the queue.
   */
  private createEventsQueue(specs: readonly FunctionSpec[], fifo: boolean): QueuePair | undefined {
    const consumers = specs.flatMap((spec) =>
      (spec.triggers ?? [])
        .filter((trigger): trigger is EventsQueueTrigger => trigger.kind === 'events-queue')
        .map((trigger) => ({ spec, trigger })),
    );
    if (consumers.length === 0) return undefined;
    const [consumer, ...others] = consumers;
    if (consumer === undefined || others.length > 0) {
      // Two consumers would split the stream between them, and disagree on the receive limit.
      throw new Error(
        `the events queue has one consumer; found events-queue triggers on ${consumers.map((c) => c.spec.name).join(', ')}`,
      );
    }
    const { spec, trigger } = consumer;
    if (fifo && trigger.batchSize > 10) {
      throw new Error(`${spec.name}: a FIFO queue's event source takes at most 10 messages per batch`);
    }
    const fifoProps: Partial<sqs.QueueProps> = fifo
      ? {
          fifo: true,
          contentBasedDeduplication: false,
          // High-throughput FIFO: one ordered lane per wallet (message group).
          deduplicationScope: sqs.DeduplicationScope.MESSAGE_GROUP,
          fifoThroughputLimit: sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
        }
      : {};

    const dlq = deadLetterQueue(this, 'EventsDlq', {
      alarms: this.props.alarms,
      removalPolicy: this.props.removalPolicy,
      queueProps: fifoProps,
      nagReason:
        'This queue is the dead-letter queue of the events queue (and where ingest sends poison events); it needs no DLQ of its own.',
      alarmDescription: 'CloudEvents that failed ingest are waiting in the events DLQ',
    });
    const batchingWindow = fifo ? 0 : trigger.maxBatchingWindowSeconds;
    const queue = new sqs.Queue(this, 'EventsQueue', {
      ...fifoProps,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // A message is invisible while a batch holding it runs (plus the batching window), with room
      // for Lambda's retries of throttled invocations: AWS's six times the function timeout.
      visibilityTimeout: Duration.seconds(VISIBILITY_TIMEOUT_FACTOR * spec.timeoutSeconds + batchingWindow),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: dlq, maxReceiveCount: trigger.maxReceiveCount },
      removalPolicy: this.props.removalPolicy,
    });
    return { queue, dlq };
  }
}

/** `-c mskClusterArn=... -c mskTopic=...`: both or neither. */
export function mskFromContext(scope: Construct): MskSource | undefined {
  const clusterArn: unknown = scope.node.tryGetContext('mskClusterArn');
  const topic: unknown = scope.node.tryGetContext('mskTopic');
  if (clusterArn === undefined && topic === undefined) return undefined;
  // A cluster given only for the publisher's decisions topic (lib/constructs/publisher.ts) reads nothing.
  if (topic === undefined && scope.node.tryGetContext('decisionsTopic') !== undefined) return undefined;
  if (typeof clusterArn !== 'string' || typeof topic !== 'string') {
    throw new Error('context mskClusterArn and mskTopic go together: set both (strings) or neither');
  }
  return { clusterArn, topic };
}

export function validateMsk(msk: MskSource | undefined): MskSource | undefined {
  if (msk === undefined) return undefined;
  if (!Token.isUnresolved(msk.clusterArn)) {
    const parts = msk.clusterArn.split(':');
    const resource = parts.slice(5).join(':');
    if (parts.length < 6 || parts[2] !== 'kafka' || !/^cluster\/[^/]+\/[^/]+$/.test(resource)) {
      throw new Error(
        `MSK cluster ARN must be arn:<partition>:kafka:<region>:<account>:cluster/<name>/<uuid>, got ${msk.clusterArn}`,
      );
    }
  }
  if (!Token.isUnresolved(msk.topic) && !KAFKA_TOPIC.test(msk.topic)) {
    throw new Error(`MSK topic must be 1–249 characters of [A-Za-z0-9._-], got ${JSON.stringify(msk.topic)}`);
  }
  return msk;
}
