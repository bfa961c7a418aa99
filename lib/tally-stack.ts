import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Annotations,
  Arn,
  ArnFormat,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Token,
  Validations,
} from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  DynamoEventSource,
  ManagedKafkaEventSource,
  SqsDlq,
  SqsEventSource,
} from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { TallyFunction } from './constructs/tally-function.ts';
import {
  ENV,
  FUNCTIONS,
  type FunctionSpec,
  isAdminRoute,
  type RouteSpec,
  TABLE,
  type TriggerSpec,
} from './wiring.ts';

/** The repository root: lib/ sits right under it. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** An MSK cluster and the topic of CloudEvents the `kafka` triggers read. */
export interface MskSource {
  /** `arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>` */
  clusterArn: string;
  topic: string;
}

export interface TallyStackProps extends StackProps {
  /**
   * What happens to the table, queues and log groups when the stack is deleted. RETAIN (the
   * default) also turns on the table's deletion protection; DESTROY is for throwaway dev stacks.
   * @default RemovalPolicy.RETAIN
   */
  removalPolicy?: RemovalPolicy;
  /** Directory that wiring `entry` paths are relative to. @default the repository root */
  projectRoot?: string;
  /** @default FUNCTIONS from lib/wiring.ts; tests pass variations. */
  functions?: readonly FunctionSpec[];
  /**
   * The MSK topic for `kafka` triggers. Without it (the default) MSK is off and functions with a
   * `kafka` trigger are not created at all: no idle function, no role, no mapping.
   * @default context `mskClusterArn` + `mskTopic` when both are set, otherwise off
   */
  msk?: MskSource;
  /**
   * Make the events queue and its DLQ FIFO queues, for per-wallet ordering: senders set
   * `MessageGroupId` = the CloudEvent `subject` and `MessageDeduplicationId` = the CloudEvent `id`
   * (content-based deduplication is off, and deduplication is scoped to the message group).
   * FIFO event sources take no batching window, so the trigger's `maxBatchingWindowSeconds` is
   * not used, and their batch size is at most 10.
   * @default false (a standard queue: higher throughput, ordering left to the event store's
   *   per-wallet versions)
   */
  fifo?: boolean;
  /**
   * Actions for every dead-letter alarm (for example an SNS topic's `SnsAction`). Operators can also
   * add actions later through {@link TallyStack.alarms}.
   * @default no action: the alarms still show in the CloudWatch console
   */
  alarmActions?: readonly cloudwatch.IAlarmAction[];
}

/** `project-streams` → `ProjectStreams`: the construct id of a wiring function. */
export function constructIdOf(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part.length > 0)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

type EventsQueueTrigger = Extract<TriggerSpec, { kind: 'events-queue' }>;
type JobsQueueTrigger = Extract<TriggerSpec, { kind: 'jobs-queue' }>;
type KafkaTrigger = Extract<TriggerSpec, { kind: 'kafka' }>;

/** AWS guidance: a queue's visibility timeout is at least six times its consumer's timeout. */
const VISIBILITY_TIMEOUT_FACTOR = 6;
/** Kafka topic names: 1–249 of these characters. */
const KAFKA_TOPIC = /^[A-Za-z0-9._-]{1,249}$/;

/**
 * Tally: the event-store table, the events queue and the jobs queue (each with its DLQ), an HTTP API
 * and one Lambda per wiring entry. Everything that is a function, route or trigger comes from the
 * wiring table; nothing here names a handler.
 *
 * Admin routes (scope `admin` in the wiring, e.g. `PUT /rules`) use IAM authorization: the caller
 * signs the request with SigV4 for the `execute-api` service, and needs `execute-api:Invoke` on the
 * route, e.g. `arn:aws:execute-api:<region>:<account>:<api-id>/$default/PUT/rules`. An operator
 * with such a role publishes a rule set with
 *
 *     awscurl --service execute-api --region <region> -X PUT \
 *       -H 'content-type: text/plain' --data-binary @rules/seed.rules "<ApiUrl>/rules"
 *
 * (or any SigV4 client). No shared secret to store or rotate, access is granted and revoked in IAM,
 * and each call's IAM caller is in the API access log (`caller`). The local runtime's bearer token (TALLY_ADMIN_TOKEN) is not
 * used in AWS, and no secret is put in a Lambda environment.
 */
export class TallyStack extends Stack {
  readonly table: dynamodb.Table;
  readonly api: apigw.HttpApi;
  readonly functions: ReadonlyMap<string, TallyFunction>;
  /** The events queue, when a wiring function consumes it. */
  readonly eventsQueue: sqs.Queue | undefined;
  /** Where events that fail `maxReceiveCount` times land (and where ingest sends poison events). */
  readonly eventsDlq: sqs.Queue | undefined;
  /** The jobs queue (one message per page of an admin job), when a wiring function consumes it. */
  readonly jobsQueue: sqs.Queue | undefined;
  /** Where job pages that fail `maxReceiveCount` times land. */
  readonly jobsDlq: sqs.Queue | undefined;
  /**
   * One alarm per dead-letter or on-failure queue (ApproximateNumberOfMessagesVisible ≥ 1), keyed
   * by the queue's construct id: `EventsDlq`, `JobsDlq`, `ProjectStreamsStreamFailures`, ...
   */
  readonly alarms: ReadonlyMap<string, cloudwatch.Alarm>;
  /** The MSK source in force, or undefined when MSK is off. */
  readonly msk: MskSource | undefined;

  private readonly removalPolicy: RemovalPolicy;
  private readonly alarmActions: readonly cloudwatch.IAlarmAction[];
  private readonly alarmsById = new Map<string, cloudwatch.Alarm>();

  constructor(scope: Construct, id: string, props: TallyStackProps = {}) {
    super(scope, id, props);
    this.removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.alarmActions = props.alarmActions ?? [];
    this.alarms = this.alarmsById;
    const removalPolicy = this.removalPolicy;
    const projectRoot = props.projectRoot ?? REPO_ROOT;
    const fifo = props.fifo ?? false;
    this.msk = validateMsk(props.msk ?? mskFromContext(this));

    // A function that only exists to read MSK is not created while MSK is off.
    const specs = (props.functions ?? FUNCTIONS).filter(
      (spec) => this.msk !== undefined || !(spec.triggers ?? []).some((trigger) => trigger.kind === 'kafka'),
    );
    if (this.msk !== undefined && !specs.some((spec) => spec.triggers?.some((t) => t.kind === 'kafka'))) {
      Annotations.of(this).addWarningV2(
        'tally:msk-unused',
        'An MSK cluster and topic are configured, but no wiring function has a kafka trigger.',
      );
    }

    this.table = new dynamodb.Table(this, 'EventStore', {
      partitionKey: { name: TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      // The stream is only a doorbell: projectors read the events from the table in order,
      // so the records need no images.
      stream: dynamodb.StreamViewType[TABLE.streamViewType],
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Job reports expire (JOB_RETENTION_DAYS); the stream's REMOVE records wake no projector.
      timeToLiveAttribute: TABLE.timeToLiveAttribute,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });

    const queues = this.createEventsQueue(specs, fifo);
    this.eventsQueue = queues?.queue;
    this.eventsDlq = queues?.dlq;
    const jobsQueues = this.createJobsQueue(specs);
    this.jobsQueue = jobsQueues?.queue;
    this.jobsDlq = jobsQueues?.dlq;

    this.api = this.createApi();
    // Admin routes are signed with SigV4 by operators (IAM auth, see the class comment). The IAM
    // authorizer is a route setting, not a resource, so it costs nothing while no route is admin.
    const adminAuthorizer = new HttpIamAuthorizer();

    const functions = new Map<string, TallyFunction>();
    for (const spec of specs) {
      const environment: Record<string, string> = { [ENV.tableName]: this.table.tableName };
      if (spec.sendsToEventsQueue === true) {
        environment[ENV.eventsQueueUrl] = this.requireQueues(
          queues,
          spec,
          'sendsToEventsQueue',
        ).queue.queueUrl;
      }
      if (spec.sendsToEventsDlq === true) {
        environment[ENV.eventsDlqUrl] = this.requireQueues(queues, spec, 'sendsToEventsDlq').dlq.queueUrl;
      }
      if (spec.sendsToJobsQueue === true) {
        environment[ENV.jobsQueueUrl] = this.requireQueues(
          jobsQueues,
          spec,
          'sendsToJobsQueue',
          'jobs-queue',
        ).queue.queueUrl;
      }
      const fn = new TallyFunction(this, constructIdOf(spec.name), {
        entry: path.resolve(projectRoot, spec.entry),
        projectRoot,
        description: spec.description,
        memoryMb: spec.memoryMb,
        timeoutSeconds: spec.timeoutSeconds,
        environment,
        removalPolicy,
      });
      functions.set(spec.name, fn);
      this.grantTableAccess(spec, fn);
      if (spec.sendsToEventsQueue === true) queues?.queue.grantSendMessages(fn.role);
      if (spec.sendsToEventsDlq === true) queues?.dlq.grantSendMessages(fn.role);
      if (spec.sendsToJobsQueue === true) jobsQueues?.queue.grantSendMessages(fn.role);

      const routes = spec.routes ?? [];
      if (routes.length > 0) {
        // CDK emits one integration and one invoke permission (scoped to the route) per route.
        const integration = new HttpLambdaIntegration(`${constructIdOf(spec.name)}Integration`, fn.function);
        for (const route of routes) {
          this.addRoute(route, integration, isAdminRoute(route) ? adminAuthorizer : undefined);
        }
      }
      for (const trigger of spec.triggers ?? []) {
        this.addTrigger(spec, fn, trigger, { events: queues, jobs: jobsQueues }, fifo);
      }
    }
    this.functions = functions;

    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'TableName', { value: this.table.tableName, description: 'Event-store table' });
    if (queues !== undefined) {
      new CfnOutput(this, 'EventsQueueUrl', {
        value: queues.queue.queueUrl,
        description: 'Events queue: CloudEvents sent here are ingested exactly once',
      });
      new CfnOutput(this, 'EventsDlqUrl', {
        value: queues.dlq.queueUrl,
        description: 'Events that failed ingest, with their reason',
      });
    }
    if (jobsQueues !== undefined) {
      new CfnOutput(this, 'JobsQueueUrl', {
        value: jobsQueues.queue.queueUrl,
        description: 'Jobs queue: one message per page of a replay or backtest of every wallet',
      });
      new CfnOutput(this, 'JobsDlqUrl', {
        value: jobsQueues.dlq.queueUrl,
        description: 'Job pages that failed their receive limit (the job stays running until redriven)',
      });
    }
    for (const [alarmId, alarm] of this.alarmsById) {
      new CfnOutput(this, `${alarmId}AlarmName`, {
        value: alarm.alarmName,
        description: `Alarm on messages waiting in ${alarmId}; add an SNS action to be told`,
      });
    }
  }

  private requireQueues(
    queues: QueuePair | undefined,
    spec: FunctionSpec,
    flag: string,
    trigger: 'events-queue' | 'jobs-queue' = 'events-queue',
  ): QueuePair {
    if (queues === undefined) {
      throw new Error(`${spec.name} has ${flag}, but no wiring function has a ${trigger} trigger`);
    }
    return queues;
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

    const dlq = this.createDlq(
      'EventsDlq',
      fifoProps,
      'This queue is the dead-letter queue of the events queue (and where ingest sends poison events); it needs no DLQ of its own.',
      'CloudEvents that failed ingest are waiting in the events DLQ',
    );

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
      removalPolicy: this.removalPolicy,
    });
    return { queue, dlq };
  }

  /**
   * The jobs queue and its DLQ: a standard queue (pages of a job need no order; the job store counts
   * a page delivered twice once), sized for its slowest consumer. None when no function consumes it.
   */
  private createJobsQueue(specs: readonly FunctionSpec[]): QueuePair | undefined {
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

    const dlq = this.createDlq(
      'JobsDlq',
      {},
      'This queue is the dead-letter queue of the jobs queue; it needs no DLQ of its own.',
      'Pages of admin jobs (replay, backtest) that failed their receive limit are waiting in the jobs DLQ; their jobs stay running until the pages are redriven',
    );
    const queue = new sqs.Queue(this, 'JobsQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // A page is invisible while its invocation runs, with room for Lambda's retries of throttled
      // invocations: AWS's six times the function timeout (of the slowest consumer).
      visibilityTimeout: Duration.seconds(VISIBILITY_TIMEOUT_FACTOR * slowest),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: dlq, maxReceiveCount: first.trigger.maxReceiveCount },
      removalPolicy: this.removalPolicy,
    });
    return { queue, dlq };
  }

  /** An encrypted, TLS-only dead-letter queue that keeps messages 14 days, with a depth alarm. */
  private createDlq(
    id: string,
    props: Partial<sqs.QueueProps>,
    nagReason: string,
    alarmDescription: string,
  ): sqs.Queue {
    const dlq = new sqs.Queue(this, id, {
      ...props,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // 14 days, the longest SQS keeps a message: dead letters wait for a person.
      retentionPeriod: Duration.days(14),
      removalPolicy: this.removalPolicy,
    });
    Validations.of(dlq).acknowledge({ id: 'AwsSolutions-SQS3', reason: nagReason });
    this.alarmOnDepth(id, dlq, alarmDescription);
    return dlq;
  }

  /**
   * An alarm when anything waits in a dead-letter or on-failure queue: the maximum of
   * ApproximateNumberOfMessagesVisible over 5 minutes is ≥ 1, for one datapoint. SQS stops
   * publishing metrics for a queue idle for six hours, so missing data keeps the alarm's state
   * (a DLQ nobody has looked at stays in ALARM) instead of turning it OK.
   */
  private alarmOnDepth(id: string, queue: sqs.Queue, description: string): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, `${id}Alarm`, {
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
    if (this.alarmActions.length > 0) alarm.addAlarmAction(...this.alarmActions);
    this.alarmsById.set(id, alarm);
    return alarm;
  }

  /** An encrypted, TLS-only queue that receives a mapping's failed batches (as failure records). */
  private createFailureQueue(id: string, description: string): sqs.Queue {
    const queue = new sqs.Queue(this, id, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: this.removalPolicy,
    });
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the on-failure destination (dead-letter) of an event source mapping; it needs no DLQ of its own.',
    });
    this.alarmOnDepth(id, queue, description);
    return queue;
  }

  private createApi(): apigw.HttpApi {
    // The default stage is added by hand: HttpApi's own default stage takes no access-log or
    // throttle settings.
    const api = new apigw.HttpApi(this, 'HttpApi', {
      description: 'Tally wallet API',
      createDefaultStage: false,
    });
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: this.removalPolicy,
    });
    api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { burstLimit: 1000, rateLimit: 500 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            responseLatency: '$context.responseLatency',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
            caller: '$context.identity.userArn',
          }),
        ),
      },
    });
    return api;
  }

  private addRoute(
    route: RouteSpec,
    integration: HttpLambdaIntegration,
    authorizer: HttpIamAuthorizer | undefined,
  ): void {
    const [httpRoute] = this.api.addRoutes({
      path: route.path,
      methods: [apigw.HttpMethod[route.method]],
      integration,
      ...(authorizer === undefined ? {} : { authorizer }),
    });
    if (httpRoute === undefined) {
      throw new Error(`API Gateway created no route for ${route.method} ${route.path}`);
    }
    if (authorizer === undefined) {
      const reason =
        'Public wallet route by design (the wallet service API is unauthenticated); abuse is bounded by stage throttling, and admin routes use IAM auth.';
      Validations.of(httpRoute).acknowledge({ id: 'AwsSolutions-APIG4', reason });
    }
  }

  /** Grants exactly the access the wiring declares: read-only functions get no write action. */
  private grantTableAccess(spec: FunctionSpec, fn: TallyFunction): void {
    switch (spec.tableAccess) {
      case 'read':
        this.table.grantReadData(fn.role);
        break;
      case 'read-write':
        this.table.grantReadWriteData(fn.role);
        break;
      default: {
        const unknownAccess: never = spec.tableAccess;
        throw new Error(`unknown tableAccess ${String(unknownAccess)}`);
      }
    }
  }

  private addTrigger(
    spec: FunctionSpec,
    fn: TallyFunction,
    trigger: TriggerSpec,
    queues: { events: QueuePair | undefined; jobs: QueuePair | undefined },
    fifo: boolean,
  ): void {
    const id = constructIdOf(spec.name);
    switch (trigger.kind) {
      case 'table-stream': {
        // Records that still fail after the retries (and bisection) land here as pointers to the
        // shard range; the store still holds the events, so nothing is lost.
        const onFailure = this.createFailureQueue(
          `${id}StreamFailures`,
          `Table-stream batches that ${spec.name} failed after its retries (replay them from the store)`,
        );
        fn.function.addEventSource(
          new DynamoEventSource(this.table, {
            startingPosition: lambda.StartingPosition.TRIM_HORIZON,
            batchSize: trigger.batchSize,
            maxBatchingWindow: Duration.seconds(trigger.maxBatchingWindowSeconds),
            retryAttempts: trigger.retryAttempts,
            reportBatchItemFailures: true,
            bisectBatchOnError: true,
            onFailure: new SqsDlq(onFailure),
            // Only new event items ring the doorbell; head, idempotency and read-model writes do not.
            filters: [
              lambda.FilterCriteria.filter({
                eventName: lambda.FilterRule.isEqual(trigger.filter.eventName),
                dynamodb: {
                  Keys: {
                    [TABLE.sortKey]: { S: lambda.FilterRule.beginsWith(trigger.filter.sortKeyPrefix) },
                  },
                },
              }),
            ],
          }),
        );
        // ListStreams cannot be scoped to a stream ARN (AWS requires Resource "*").
        Validations.of(fn.role).acknowledge({
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: 'dynamodb:ListStreams, added by the stream event source, only accepts Resource "*".',
        });
        break;
      }
      case 'events-queue': {
        if (queues.events === undefined) throw new Error(`${spec.name}: the events queue was not created`);
        fn.function.addEventSource(
          new SqsEventSource(queues.events.queue, {
            batchSize: trigger.batchSize,
            // FIFO event sources take no batching window.
            ...(fifo ? {} : { maxBatchingWindow: Duration.seconds(trigger.maxBatchingWindowSeconds) }),
            reportBatchItemFailures: true,
            maxConcurrency: trigger.maxConcurrency,
          }),
        );
        break;
      }
      case 'jobs-queue': {
        if (queues.jobs === undefined) throw new Error(`${spec.name}: the jobs queue was not created`);
        // No batching window: a page is picked up as soon as it is sent (the trigger has none).
        fn.function.addEventSource(
          new SqsEventSource(queues.jobs.queue, {
            batchSize: trigger.batchSize,
            reportBatchItemFailures: true,
            maxConcurrency: trigger.maxConcurrency,
          }),
        );
        break;
      }
      case 'kafka':
        this.addKafkaTrigger(spec, fn, trigger);
        break;
      default: {
        const unknownTrigger: never = trigger;
        throw new Error(`unknown trigger ${JSON.stringify(unknownTrigger)}`);
      }
    }
  }

  /**
   * Reads the MSK topic from the oldest record, in a consumer group named after the stack and the
   * function. Batches that still fail after Lambda's retries go to their own on-failure queue: SQS
   * destinations of Kafka mappings receive failure records (topic, partition, offsets), not the
   * events, so they must not mix with the events DLQ, which holds redrivable CloudEvents. Records
   * the handler rejects one by one go to the events DLQ with their reason (sendsToEventsDlq).
   */
  private addKafkaTrigger(spec: FunctionSpec, fn: TallyFunction, trigger: KafkaTrigger): void {
    const msk = this.msk;
    if (msk === undefined) throw new Error(`${spec.name}: kafka trigger without an MSK source`);
    const id = constructIdOf(spec.name);
    const consumerGroupId = `${this.stackName}-${spec.name}`;
    const onFailure = this.createFailureQueue(
      `${id}KafkaFailures`,
      `Kafka batches that ${spec.name} failed after Lambda's retries (failure records with offsets)`,
    );
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
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kafka-cluster:Connect', 'kafka-cluster:DescribeClusterDynamicConfiguration'],
        resources: [msk.clusterArn],
      }),
    );
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
        resources: [inCluster('topic', msk.topic)],
      }),
    );
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
        resources: [inCluster('group', consumerGroupId)],
      }),
    );
    Validations.of(fn.role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaMSKExecutionRole]',
      reason:
        "ManagedKafkaEventSource attaches AWS's documented minimum for MSK pollers (cluster lookup and the pollers' ENIs in the cluster VPC, whose EC2 actions take no resource scope); only the MSK-reading role gets it.",
    });
  }
}

/** A queue and its dead-letter queue (the events queue, the jobs queue). */
interface QueuePair {
  queue: sqs.Queue;
  dlq: sqs.Queue;
}

/** `-c mskClusterArn=... -c mskTopic=...`: both or neither. */
function mskFromContext(stack: Stack): MskSource | undefined {
  const clusterArn: unknown = stack.node.tryGetContext('mskClusterArn');
  const topic: unknown = stack.node.tryGetContext('mskTopic');
  if (clusterArn === undefined && topic === undefined) return undefined;
  if (typeof clusterArn !== 'string' || typeof topic !== 'string') {
    throw new Error('context mskClusterArn and mskTopic go together: set both (strings) or neither');
  }
  return { clusterArn, topic };
}

function validateMsk(msk: MskSource | undefined): MskSource | undefined {
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
