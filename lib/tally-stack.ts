import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Annotations,
  type CfnElement,
  CfnOutput,
  Names,
  RemovalPolicy,
  Stack,
  type StackProps,
} from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct, IConstruct } from 'constructs';
import { DeadLetterAlarms } from './constructs/alarms.ts';
import { type RouteAuthorization, TallyApi } from './constructs/api.ts';
import {
  type ApiAuth,
  apiAuthFromContext,
  routeAuthorization,
  validateApiAuth,
} from './constructs/api-auth.ts';
import { CheckpointKey } from './constructs/checkpoint-key.ts';
import { CognitoIssuer } from './constructs/cognito-issuer.ts';
import { type ConsoleSite, consoleSiteFromContext } from './constructs/console-site.ts';
import { grantDeadLetterRedrive } from './constructs/dead-letter-access.ts';
import { EdgeWaf, type EdgeWafProps } from './constructs/edge-waf.ts';
import { EventStoreTable } from './constructs/event-store-table.ts';
import { flatPath, uniqueIdOf } from './constructs/flat-logical-ids.ts';
import { Ingest, type MskSource, mskFromContext, validateMsk } from './constructs/ingest.ts';
import { Jobs } from './constructs/jobs.ts';
import { Projector } from './constructs/projector.ts';
import {
  type DecisionsTopic,
  decisionsFromContext,
  Publisher,
  validateDecisions,
} from './constructs/publisher.ts';
import { Schedules } from './constructs/schedules.ts';
import { constructIdOf, TallyFunction } from './constructs/tally-function.ts';
import { reservedConcurrencyFromContext, wafFromContext, wirePayments } from './stack-context.ts';
import { ENV, FUNCTIONS, type FunctionSpec, type Scope } from './wiring.ts';

export type { ApiAuth } from './constructs/api-auth.ts';
export type { MskSource } from './constructs/ingest.ts';
export type { DecisionsTopic } from './constructs/publisher.ts';
export { constructIdOf } from './constructs/tally-function.ts';

/** The repository root: lib/ sits right under it. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

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
   * How API Gateway authorizes every non-public route. Required: there is no open mode.
   * @default from context: `jwtIssuer` + `jwtAudience`, `cognito=true`, or `auth=iam`; else synth fails
   */
  auth?: ApiAuth;
  /**
   * The MSK topic for `kafka` triggers. Without it (the default) MSK is off and functions with a
   * `kafka` trigger are not created at all: no idle function, no role, no mapping.
   * @default context `mskClusterArn` + `mskTopic` when both are set, otherwise off
   */
  msk?: MskSource;
  /**
   * Make the events queue and its DLQ FIFO queues, for per-wallet ordering: senders set
   * `MessageGroupId` = the CloudEvent `subject` and `MessageDeduplicationId` = the CloudEvent `id`.
   * FIFO event sources take no batching window and at most 10 messages per batch.
   * @default false (a standard queue; ordering is left to the event store's per-wallet versions)
   */
  fifo?: boolean;
  /** Actions for every dead-letter alarm (for example an SNS topic's `SnsAction`). @default none */
  alarmActions?: readonly cloudwatch.IAlarmAction[];
  /**
   * CloudFront + WAF in front of the API, with per-IP and per-token rate-based rules.
   * @default context `waf=true` (with `wafIpRateLimit`, `wafTokenRateLimit`), otherwise off
   */
  waf?: false | Omit<EdgeWafProps, 'api'>;
  /**
   * Reserved concurrency per function name, over the wiring's `reservedConcurrency`.
   * @default context `reservedConcurrency=deposit=50,events=20`, otherwise the wiring's
   */
  reservedConcurrency?: Readonly<Record<string, number>>;
  /**
   * Also publish decision events to this MSK topic (the EventBridge bus always gets every event).
   * @default context `mskClusterArn` + `decisionsTopic` when both are set, otherwise off
   */
  decisions?: DecisionsTopic;
}

/**
 * Tally as its architecture diagram: the table; the API (each route behind a JWT or IAM authorizer
 * unless the wiring says why it is public); ingest (events queue, DLQ, optionally MSK); projector;
 * publisher; jobs queue; schedules (the expiry sweep); DLQ alarms; one Lambda per wiring entry.
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
  /** One alarm per dead-letter or on-failure queue, keyed by the queue's construct id. */
  readonly alarms: ReadonlyMap<string, cloudwatch.Alarm>;
  /** The MSK source in force, or undefined when MSK is off. */
  readonly msk: MskSource | undefined;
  /** What guards the non-public routes (Cognito resolved to its JWT issuer). */
  readonly authorization: RouteAuthorization;
  /** With `auth: iam`: one managed policy per scope to attach to calling services. */
  readonly scopePolicies: ReadonlyMap<Scope, iam.ManagedPolicy>;
  readonly cognito: CognitoIssuer | undefined;
  readonly edge: EdgeWaf | undefined;
  /** The operator console in S3 behind CloudFront (`-c console=true`). */
  readonly console: ConsoleSite | undefined;
  /** The EventBridge bus published events go to. */
  readonly eventBus: events.EventBus;

  /** Constructs that group resources without changing their logical ids (see flat-logical-ids.ts). */
  private readonly groups = new Set<IConstruct>();
  private logicalIds = { size: -1, ids: new Map<CfnElement, string>(), renames: new Map<string, string>() };

  constructor(scope: Construct, id: string, props: TallyStackProps = {}) {
    super(scope, id, props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const projectRoot = props.projectRoot ?? REPO_ROOT;
    const fifo = props.fifo ?? false;
    // Refuse an open API before building anything.
    const auth = validateApiAuth(props.auth ?? apiAuthFromContext(this));
    this.msk = validateMsk(props.msk ?? mskFromContext(this));
    const reserved = props.reservedConcurrency ?? reservedConcurrencyFromContext(this);

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
    for (const name of Object.keys(reserved)) {
      if (!specs.some((spec) => spec.name === name))
        throw new Error(`reservedConcurrency: no function ${name}`);
    }

    const table = this.group(new EventStoreTable(this, 'Table', { removalPolicy }));
    this.table = table.table;
    const alarms = this.group(
      new DeadLetterAlarms(this, 'Alarms', { alarmActions: props.alarmActions ?? [] }),
    );
    this.alarms = alarms.byQueue;
    const ingest = this.group(
      new Ingest(this, 'Ingest', { specs, fifo, msk: this.msk, alarms, removalPolicy }),
    );
    this.eventsQueue = ingest.queues?.queue;
    this.eventsDlq = ingest.queues?.dlq;
    const jobs = this.group(new Jobs(this, 'Jobs', { specs, alarms, removalPolicy }));
    this.jobsQueue = jobs.queues?.queue;
    this.jobsDlq = jobs.queues?.dlq;
    const schedules = this.group(new Schedules(this, 'Schedules'));
    const checkpointKey = this.group(new CheckpointKey(this, 'CheckpointKey', { removalPolicy }));
    const projector = this.group(
      new Projector(this, 'Projector', { table: this.table, alarms, removalPolicy }),
    );

    const publisher = this.group(
      new Publisher(this, 'Publisher', {
        source: `tally/${this.stackName}`,
        decisions: validateDecisions(props.decisions ?? decisionsFromContext(this)),
      }),
    );
    this.eventBus = publisher.bus;

    this.cognito =
      auth.kind === 'cognito' ? new CognitoIssuer(this, 'Cognito', { removalPolicy, ...auth }) : undefined;
    this.authorization = routeAuthorization(auth, this.cognito);
    const api = this.group(new TallyApi(this, 'Api', { authorization: this.authorization, removalPolicy }));
    this.api = api.httpApi;
    this.scopePolicies = api.scopePolicies;
    const scopePrefix = this.authorization.kind === 'jwt' ? this.authorization.scopePrefix : '';

    const functions = new Map<string, TallyFunction>();
    for (const spec of specs) {
      const environment: Record<string, string> = {};
      if (spec.tableAccess !== 'none') environment[ENV.tableName] = this.table.tableName;
      if (scopePrefix !== '' && (spec.routes ?? []).length > 0) environment[ENV.scopePrefix] = scopePrefix;
      const events =
        spec.sendsToEventsQueue === true || spec.sendsToEventsDlq === true
          ? requireQueues(
              ingest,
              spec,
              spec.sendsToEventsQueue === true ? 'sendsToEventsQueue' : 'sendsToEventsDlq',
            )
          : undefined;
      if (spec.sendsToEventsQueue === true && events) environment[ENV.eventsQueueUrl] = events.queue.queueUrl;
      if (spec.sendsToEventsDlq === true && events) environment[ENV.eventsDlqUrl] = events.dlq.queueUrl;
      const jobQueues =
        spec.sendsToJobsQueue === true ? requireQueues(jobs, spec, 'sendsToJobsQueue') : undefined;
      if (jobQueues) environment[ENV.jobsQueueUrl] = jobQueues.queue.queueUrl;
      const publishes = spec.publishesEvents === true || spec.republishesEvents === true;
      const reservedConcurrency = reserved[spec.name] ?? spec.reservedConcurrency;
      const fn = new TallyFunction(this, constructIdOf(spec.name), {
        entry: path.resolve(projectRoot, spec.entry),
        projectRoot,
        description: spec.description,
        memoryMb: spec.memoryMb,
        timeoutSeconds: spec.timeoutSeconds,
        environment,
        removalPolicy,
        ...(reservedConcurrency === undefined ? {} : { reservedConcurrency }),
        // The MSK producer's packages ship only where they can be used: the publishers, with a topic.
        optionalModules: publishes && publisher.decisions !== undefined,
        takesPayments: spec.takesPayments === true,
      });
      functions.set(spec.name, fn);
      table.grantAccess(spec, fn.role);
      if (spec.sendsToEventsQueue === true) events?.queue.grantSendMessages(fn.role);
      if (spec.sendsToEventsDlq === true) events?.dlq.grantSendMessages(fn.role);
      jobQueues?.queue.grantSendMessages(fn.role);
      if (spec.redrivesDeadLetters) grantDeadLetterRedrive(fn, { events: ingest.queues, jobs: jobs.queues });
      if (publishes) publisher.grantPublish(fn);
      if (spec.takesPayments === true) wirePayments(this, fn);
      if (spec.checkpointKey === true) checkpointKey.grantTo(spec, fn);
      const routes = spec.routes ?? [];
      if (routes.length > 0) {
        // CDK emits one integration and one invoke permission (scoped to the route) per route.
        const integration = new HttpLambdaIntegration(`${constructIdOf(spec.name)}Integration`, fn.function);
        for (const route of routes) api.addRoute(route, integration);
      }
      for (const trigger of spec.triggers ?? []) {
        switch (trigger.kind) {
          case 'table-stream':
            projector.addStreamTrigger(spec, fn, trigger);
            break;
          case 'events-queue':
            ingest.addQueueTrigger(spec, fn, trigger);
            break;
          case 'jobs-queue':
            jobs.addQueueTrigger(spec, fn, trigger);
            break;
          case 'schedule':
            schedules.addScheduleTrigger(spec, fn, trigger);
            break;
          case 'kafka':
            ingest.addKafkaTrigger(spec, fn, trigger, `${this.stackName}-${spec.name}`);
            break;
          default:
            throw new Error(`unknown trigger ${JSON.stringify(trigger satisfies never)}`);
        }
      }
    }
    this.functions = functions;

    const waf = props.waf ?? wafFromContext(this);
    this.edge = waf === false ? undefined : new EdgeWaf(this, 'Edge', { api: this.api, ...waf });
    this.console = consoleSiteFromContext(this, removalPolicy);
    this.addOutputs(ingest, jobs, api);
  }

  /**
   * Logical ids as if the grouped resources sat at the stack root, so this layout updates a stack
   * deployed before it in place. Event-source mapping ids embed their source's unique id; those
   * are flattened the same way.
   */
  protected override allocateLogicalId(element: CfnElement): string {
    // CloudFormation asks for logical ids on every reference, so they are cached. A construct's path
    // is fixed when it is created, and a unique id it embeds is that of a construct created before
    // it: so the renames are brought up to date (the tree counted) only when an id is not cached yet.
    // Counting the tree on every reference made a synth spend ~1 s of CPU in findAll().
    const cached = this.logicalIds.ids.get(element);
    if (cached !== undefined) return cached;
    const size = this.node.findAll().length;
    if (size !== this.logicalIds.size)
      this.logicalIds = { size, ids: new Map(), renames: this.uniqueIdRenames() };
    const components = flatPath(element, this, this.groups).map((component) => {
      for (const [from, to] of this.logicalIds.renames) {
        if (component.includes(from)) return component.replace(from, to);
      }
      return component;
    });
    const id = uniqueIdOf(components);
    this.logicalIds.ids.set(element, id);
    return id;
  }

  /** Unique ids of grouped constructs (as embedded in other construct ids) → their flat form. */
  private uniqueIdRenames(): Map<string, string> {
    const renames = new Map<string, string>();
    for (const group of this.groups) {
      for (const construct of group.node.findAll()) {
        if (construct === group) continue;
        renames.set(
          Names.nodeUniqueId(construct.node),
          uniqueIdOf([this.node.id, ...flatPath(construct, this, this.groups)]),
        );
      }
    }
    return renames;
  }

  private group<T extends IConstruct>(construct: T): T {
    this.groups.add(construct);
    return construct;
  }

  private addOutputs(ingest: Ingest, jobs: Jobs, api: TallyApi): void {
    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'TableName', { value: this.table.tableName, description: 'Event-store table' });
    new CfnOutput(this, 'EventBusName', {
      value: this.eventBus.eventBusName,
      description:
        'EventBridge bus of published CloudEvents (source tally/<stack>, detail-type = CloudEvent type)',
    });
    new CfnOutput(this, 'EventBusArn', {
      value: this.eventBus.eventBusArn,
      description: 'ARN of the event bus',
    });
    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    if (ingest.queues !== undefined) {
      output(
        'EventsQueueUrl',
        ingest.queues.queue.queueUrl,
        'Events queue: CloudEvents sent here are ingested exactly once',
      );
      output('EventsDlqUrl', ingest.queues.dlq.queueUrl, 'Events that failed ingest, with their reason');
    }
    if (jobs.queues !== undefined) {
      output(
        'JobsQueueUrl',
        jobs.queues.queue.queueUrl,
        'Jobs queue: one message per page of a replay or backtest of every wallet',
      );
      output(
        'JobsDlqUrl',
        jobs.queues.dlq.queueUrl,
        'Job pages that failed their receive limit (the job stays running until redriven)',
      );
    }
    for (const [alarmId, alarm] of this.alarms) {
      output(
        `${alarmId}AlarmName`,
        alarm.alarmName,
        `Alarm on messages waiting in ${alarmId}; add an SNS action to be told`,
      );
    }
    for (const [scope, policy] of api.scopePolicies) {
      output(
        `${policy.node.id}PolicyArn`,
        policy.managedPolicyArn,
        `Attach to a caller's role to grant the ${scope} scope (IAM auth)`,
      );
    }
  }
}

/** The queues a sending function needs; a sender without a consumer is a wiring mistake. */
function requireQueues<Q>(
  owner: { queues: Q | undefined },
  spec: FunctionSpec,
  flag: 'sendsToEventsQueue' | 'sendsToEventsDlq' | 'sendsToJobsQueue',
): Q {
  if (owner.queues !== undefined) return owner.queues;
  const trigger = flag === 'sendsToJobsQueue' ? 'jobs-queue' : 'events-queue';
  throw new Error(`${spec.name} has ${flag}, but no wiring function has a ${trigger} trigger`);
}
