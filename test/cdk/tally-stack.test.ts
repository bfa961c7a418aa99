import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, type CfnElement, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, describe, expect, it } from 'vitest';
import { type MskSource, TallyStack, type TallyStackProps } from '../../lib/tally-stack.ts';
import { ENV, FUNCTIONS, type FunctionSpec, isAdminRoute, type TriggerSpec } from '../../lib/wiring.ts';

const MSK: MskSource = {
  clusterArn: 'arn:aws:kafka:eu-west-1:123456789012:cluster/tally/0a1b2c3d-4e5f-6789-abcd-ef0123456789-2',
  topic: 'tally-events',
};

const hasKafkaTrigger = (spec: FunctionSpec) =>
  (spec.triggers ?? []).some((trigger) => trigger.kind === 'kafka');
/** The functions deployed while MSK is off (the default). */
const WITHOUT_MSK = FUNCTIONS.filter((spec) => !hasKafkaTrigger(spec));

function triggerOf<K extends TriggerSpec['kind']>(name: string, kind: K): Extract<TriggerSpec, { kind: K }> {
  const trigger = FUNCTIONS.find((spec) => spec.name === name)?.triggers?.find((t) => t.kind === kind);
  if (trigger === undefined) throw new Error(`${name} has no ${kind} trigger`);
  return trigger as Extract<TriggerSpec, { kind: K }>;
}

/** The wiring with one function changed, for tests of derived settings. */
function withSpec(name: string, change: (spec: FunctionSpec) => FunctionSpec): FunctionSpec[] {
  return FUNCTIONS.map((spec) => (spec.name === name ? change(spec) : spec));
}

/**
 * Bundling is skipped in these tests, but NodejsFunction still checks that each entry file exists.
 * A throwaway project root with stub entries keeps the tests independent of functions/.
 */
const projectRoot = mkdtempSync(path.join(tmpdir(), 'tally-cdk-test-'));
writeFileSync(path.join(projectRoot, 'package-lock.json'), '{}\n');
for (const spec of FUNCTIONS) {
  const entry = path.join(projectRoot, spec.entry);
  mkdirSync(path.dirname(entry), { recursive: true });
  writeFileSync(entry, 'export const handler = async () => undefined;\n');
}
afterAll(() => rmSync(projectRoot, { recursive: true, force: true }));

function synth(
  props: TallyStackProps = {},
  context: Record<string, unknown> = {},
): { stack: TallyStack; template: Template } {
  // Every App writes a cloud assembly; keep them under projectRoot so afterAll removes them
  // (the default is a new temporary folder per App, which nothing deletes).
  const app = new App({
    outdir: mkdtempSync(path.join(projectRoot, 'cdk.out-')),
    context: { 'aws:cdk:bundling-stacks': [], ...context },
  });
  const stack = new TallyStack(app, 'Tally', { projectRoot, ...props });
  return { stack, template: Template.fromStack(stack) };
}

/** The CloudFormation logical id of an L2 construct's main resource. */
function logicalId(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
}

function functionOf(stack: TallyStack, name: string) {
  const fn = stack.functions.get(name);
  if (fn === undefined) throw new Error(`no function ${name}`);
  return fn;
}

function queuesOf(stack: TallyStack) {
  if (stack.eventsQueue === undefined || stack.eventsDlq === undefined) throw new Error('no events queue');
  return { queueId: logicalId(stack.eventsQueue), dlqId: logicalId(stack.eventsDlq) };
}

function jobsQueuesOf(stack: TallyStack) {
  if (stack.jobsQueue === undefined || stack.jobsDlq === undefined) throw new Error('no jobs queue');
  return { jobsQueueId: logicalId(stack.jobsQueue), jobsDlqId: logicalId(stack.jobsDlq) };
}

/** The wiring's functions that may start or continue jobs (sendsToJobsQueue). */
const JOB_SENDERS = FUNCTIONS.filter((spec) => spec.sendsToJobsQueue === true).map((spec) => spec.name);

const functionLogicalId = (stack: TallyStack, name: string) => logicalId(functionOf(stack, name).function);
const roleLogicalId = (stack: TallyStack, name: string) => logicalId(functionOf(stack, name).role);

interface Statement {
  Action: string | string[];
  Resource: unknown;
}

/** Every IAM statement granted to a role through the policies attached to it. */
function statementsOf(template: Template, roleId: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) },
  });
  return Object.values(policies).flatMap(
    (policy) => policy.Properties.PolicyDocument.Statement as Statement[],
  );
}

const actionList = (statement: Statement) =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

/** Every IAM action granted to a role through the policies attached to it. */
function actionsOf(template: Template, roleId: string): string[] {
  return statementsOf(template, roleId).flatMap(actionList);
}

/** The logical ids of the queues a role may send to (statements with sqs:SendMessage). */
function sendTargetsOf(template: Template, roleId: string): string[] {
  return statementsOf(template, roleId)
    .filter((statement) => actionList(statement).includes('sqs:SendMessage'))
    .flatMap((statement) => (Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]))
    .map((resource) => {
      const getAtt = (resource as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
      if (getAtt === undefined || getAtt[1] !== 'Arn')
        throw new Error(`unexpected SendMessage resource ${JSON.stringify(resource)}`);
      return getAtt[0];
    })
    .sort();
}

/** The logical id of the one resource of a type whose id starts with a construct path prefix. */
function onlyResourceId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids, `${type} ${prefix}*`).toHaveLength(1);
  return ids[0] as string;
}

const WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];

describe('event-store table', () => {
  it('has pk/sk string keys, on-demand billing, a keys-only stream and point-in-time recovery', () => {
    const { template } = synth();
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ]),
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamViewType: 'KEYS_ONLY' },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('expires job items by TTL (expiresAt); nothing else carries the attribute', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('is retained and deletion-protected by default, with its queues', () => {
    const { template } = synth();
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
    });
    template.allResources('AWS::SQS::Queue', { DeletionPolicy: 'Retain' });
  });

  it('is deleted with a dev stack when asked to', () => {
    const { template } = synth({ removalPolicy: RemovalPolicy.DESTROY });
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
    });
    template.allResources('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete' });
    template.allResources('AWS::SQS::Queue', { DeletionPolicy: 'Delete' });
  });
});

describe('functions from the wiring table', () => {
  const { stack, template } = synth({ msk: MSK });
  const { queueId, dlqId } = queuesOf(stack);
  const { jobsQueueId } = jobsQueuesOf(stack);

  it('creates exactly one Lambda per wiring entry (all of them with MSK on)', () => {
    template.resourceCountIs('AWS::Lambda::Function', FUNCTIONS.length);
  });

  it.each(FUNCTIONS.map((spec) => [spec.name, spec] as const))(
    '%s runs on Node.js 24, arm64, with its own log group, the table name and only the queue URLs it uses',
    (name, spec) => {
      const logGroupId = logicalId(functionOf(stack, name).logGroup);
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: spec.description,
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: spec.memoryMb,
        Timeout: spec.timeoutSeconds,
        Role: { 'Fn::GetAtt': [roleLogicalId(stack, name), 'Arn'] },
        LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: logGroupId } },
        Environment: {
          // Exact: no admin token, no local endpoint, no URL of a queue the function may not use.
          Variables: {
            [ENV.tableName]: { Ref: logicalId(stack.table) },
            ...(spec.sendsToEventsQueue === true ? { [ENV.eventsQueueUrl]: { Ref: queueId } } : {}),
            ...(spec.sendsToEventsDlq === true ? { [ENV.eventsDlqUrl]: { Ref: dlqId } } : {}),
            ...(spec.sendsToJobsQueue === true ? { [ENV.jobsQueueUrl]: { Ref: jobsQueueId } } : {}),
            POWERTOOLS_SERVICE_NAME: 'tally',
            POWERTOOLS_METRICS_NAMESPACE: 'Tally',
            NODE_OPTIONS: '--enable-source-maps',
          },
        },
      });
      expect(template.toJSON().Resources[logGroupId].Properties.RetentionInDays).toBe(30);
    },
  );

  it('passes the queue URLs to the events and ingest functions', () => {
    const env = (name: string) =>
      template.toJSON().Resources[functionLogicalId(stack, name)].Properties.Environment.Variables;
    expect(env('events')[ENV.eventsQueueUrl]).toEqual({ Ref: queueId });
    expect(env('ingest-queue')[ENV.eventsDlqUrl]).toEqual({ Ref: dlqId });
    expect(env('ingest-kafka')[ENV.eventsDlqUrl]).toEqual({ Ref: dlqId });
    expect(env('rules')[ENV.adminToken]).toBeUndefined();
  });

  it('passes the jobs queue URL to replay, backtest and run-jobs, and not to corrections', () => {
    const env = (name: string) =>
      template.toJSON().Resources[functionLogicalId(stack, name)].Properties.Environment.Variables;
    expect([...JOB_SENDERS].sort()).toEqual(['backtest', 'replay', 'run-jobs']);
    for (const name of JOB_SENDERS) expect(env(name)[ENV.jobsQueueUrl], name).toEqual({ Ref: jobsQueueId });
    expect(env('corrections')[ENV.jobsQueueUrl]).toBeUndefined();
  });

  it('uses no AWS managed policy, except the MSK poller policy on the MSK reader', () => {
    const roles = template.findResources('AWS::IAM::Role');
    const kafkaRoleId = roleLogicalId(stack, 'ingest-kafka');
    for (const [id, role] of Object.entries(roles)) {
      if (id === kafkaRoleId) {
        expect(role.Properties.ManagedPolicyArns).toEqual([
          {
            'Fn::Join': [
              '',
              ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AWSLambdaMSKExecutionRole'],
            ],
          },
        ]);
      } else {
        expect(role.Properties.ManagedPolicyArns, id).toBeUndefined();
      }
    }
    for (const role of Object.values(synth().template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('table grants follow tableAccess', () => {
  const { stack, template } = synth({ msk: MSK });

  it.each(FUNCTIONS.filter((spec) => spec.tableAccess === 'read-write').map((spec) => [spec.name]))(
    '%s (read-write) may put, update and condition-check items, which TransactWriteItems needs',
    (name) => {
      const actions = actionsOf(template, roleLogicalId(stack, name));
      expect(actions).toEqual(
        expect.arrayContaining([
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:ConditionCheckItem',
          'dynamodb:Query',
        ]),
      );
    },
  );

  it.each(FUNCTIONS.filter((spec) => spec.tableAccess === 'read').map((spec) => [spec.name]))(
    '%s (read) may read but has no write action',
    (name) => {
      const actions = actionsOf(template, roleLogicalId(stack, name));
      expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query']));
      expect(actions.filter((action) => WRITE_ACTIONS.includes(action))).toEqual([]);
      expect(actions.some((action) => action === '*' || action === 'dynamodb:*')).toBe(false);
    },
  );
});

describe('HTTP API', () => {
  const { stack, template } = synth();
  const routes = FUNCTIONS.flatMap((spec) => (spec.routes ?? []).map((route) => ({ spec, route })));

  it('has one route per wiring route', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Route', routes.length);
  });

  it.each(
    routes.map(
      ({ spec, route }) =>
        [`${route.method} ${route.path}`, spec.name, isAdminRoute(route) ? 'AWS_IAM' : 'NONE'] as const,
    ),
  )('%s invokes %s with authorization %s', (routeKey, name, authorizationType) => {
    const integrations = template.findResources('AWS::ApiGatewayV2::Integration', {
      Properties: {
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
        IntegrationUri: { 'Fn::GetAtt': [functionLogicalId(stack, name), 'Arn'] },
      },
    });
    const integrationIds = Object.keys(integrations);
    expect(integrationIds).toHaveLength(1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: routeKey,
      AuthorizationType: authorizationType,
      Target: { 'Fn::Join': ['', ['integrations/', { Ref: integrationIds[0] }]] },
    });
  });

  it.each([
    ['POST /events', 'NONE'],
    ['GET /rules', 'NONE'],
    ['PUT /rules', 'AWS_IAM'],
    ['GET /wallets/{wallet_id}', 'NONE'],
    ['GET /wallets/{wallet_id}/points', 'NONE'],
    ['GET /wallets/{wallet_id}/events', 'NONE'],
    ['POST /replay', 'AWS_IAM'],
    ['GET /replay/{jobId}', 'AWS_IAM'],
    ['POST /wallets/{wallet_id}/corrections', 'AWS_IAM'],
    ['POST /rules/backtest', 'AWS_IAM'],
    ['GET /rules/backtest/{jobId}', 'AWS_IAM'],
  ])('serves %s (authorization %s)', (routeKey, authorizationType) => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: routeKey,
      AuthorizationType: authorizationType,
    });
  });

  it('puts every admin route, and only those, behind IAM auth', () => {
    const iamRoutes = Object.values(
      template.findResources('AWS::ApiGatewayV2::Route', { Properties: { AuthorizationType: 'AWS_IAM' } }),
    ).map((route) => route.Properties.RouteKey);
    expect(iamRoutes.sort()).toEqual(
      routes
        .filter(({ route }) => isAdminRoute(route))
        .map(({ route }) => `${route.method} ${route.path}`)
        .sort(),
    );
    expect(iamRoutes).toEqual(
      expect.arrayContaining([
        'PUT /rules',
        'POST /replay',
        'GET /replay/{jobId}',
        'POST /wallets/{wallet_id}/corrections',
        'POST /rules/backtest',
        'GET /rules/backtest/{jobId}',
      ]),
    );
    expect(iamRoutes).not.toContain('GET /wallets/{wallet_id}/events');
  });

  it('has a $default stage with throttling and JSON access logs keyed by request id, naming IAM callers', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingBurstLimit: 1000, ThrottlingRateLimit: 500 },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiAccessLogs'), 'Arn'] },
        Format: Match.serializedJson(
          Match.objectLike({ requestId: '$context.requestId', caller: '$context.identity.userArn' }),
        ),
      },
    });
  });

  it('outputs the API URL, the table name and the queue URLs', () => {
    const { queueId, dlqId } = queuesOf(stack);
    const { jobsQueueId, jobsDlqId } = jobsQueuesOf(stack);
    template.hasOutput('JobsQueueUrl', { Value: { Ref: jobsQueueId } });
    template.hasOutput('JobsDlqUrl', { Value: { Ref: jobsDlqId } });
    template.hasOutput('ApiUrl', {
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^HttpApi'), 'ApiEndpoint'] },
    });
    template.hasOutput('TableName', { Value: { Ref: logicalId(stack.table) } });
    template.hasOutput('EventsQueueUrl', { Value: { Ref: queueId } });
    template.hasOutput('EventsDlqUrl', { Value: { Ref: dlqId } });
  });
});

describe('events queue', () => {
  const { stack, template } = synth();
  const { queueId, dlqId } = queuesOf(stack);
  const trigger = triggerOf('ingest-queue', 'events-queue');
  const consumerTimeout = FUNCTIONS.find((spec) => spec.name === 'ingest-queue')?.timeoutSeconds ?? 0;
  const resources = template.toJSON().Resources;

  it('is a standard, SQS-encrypted queue that redrives to the DLQ after maxReceiveCount receives', () => {
    expect(resources[queueId].Properties).toEqual({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 6 * consumerTimeout + trigger.maxBatchingWindowSeconds,
      MessageRetentionPeriod: 4 * 24 * 3600,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
        maxReceiveCount: trigger.maxReceiveCount,
      },
    });
  });

  it('has a visibility timeout of at least six times the consumer timeout, following the wiring', () => {
    expect(resources[queueId].Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * consumerTimeout);
    const slower = synth({
      functions: withSpec('ingest-queue', (spec) => ({ ...spec, timeoutSeconds: 60 })),
    });
    slower.template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 6 * 60 + trigger.maxBatchingWindowSeconds,
    });
  });

  it('has a DLQ that keeps messages 14 days, encrypted', () => {
    expect(resources[dlqId].Properties).toEqual({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
  });

  it.each([
    ['queue', queueId],
    ['DLQ', dlqId],
  ])('the %s refuses plain-HTTP access', (_label, id) => {
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: id }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('feeds ingest-queue in batches with partial batch failures and a concurrency cap', () => {
    const mappings = template.findResources('AWS::Lambda::EventSourceMapping', {
      Properties: { EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
    });
    expect(Object.values(mappings).map((mapping) => mapping.Properties)).toEqual([
      {
        FunctionName: { Ref: functionLogicalId(stack, 'ingest-queue') },
        EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
        BatchSize: trigger.batchSize,
        MaximumBatchingWindowInSeconds: trigger.maxBatchingWindowSeconds,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: trigger.maxConcurrency },
      },
    ]);
    expect(actionsOf(template, roleLogicalId(stack, 'ingest-queue'))).toEqual(
      expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility']),
    );
  });

  it('lets only events send to the queue, only the ingest functions send to the DLQ, and only the job functions send to the jobs queue', () => {
    const withMsk = synth({ msk: MSK });
    const ids = queuesOf(withMsk.stack);
    const { jobsQueueId } = jobsQueuesOf(withMsk.stack);
    const streamFailures = onlyResourceId(
      withMsk.template,
      'AWS::SQS::Queue',
      'ProjectStreamsStreamFailures',
    );
    const kafkaFailures = onlyResourceId(withMsk.template, 'AWS::SQS::Queue', 'IngestKafkaKafkaFailures');
    const expected: Record<string, string[]> = {
      events: [ids.queueId],
      'ingest-queue': [ids.dlqId],
      // Its own handler's poison records, and the mapping's failed batches.
      'ingest-kafka': [ids.dlqId, kafkaFailures].sort(),
      'project-streams': [streamFailures],
      replay: [jobsQueueId],
      backtest: [jobsQueueId],
      'run-jobs': [jobsQueueId],
    };
    for (const spec of FUNCTIONS) {
      expect(sendTargetsOf(withMsk.template, roleLogicalId(withMsk.stack, spec.name)), spec.name).toEqual(
        expected[spec.name] ?? [],
      );
    }
    // No policy outside the function roles sends anywhere.
    const sendingPolicies = Object.values(withMsk.template.findResources('AWS::IAM::Policy')).filter(
      (policy) =>
        (policy.Properties.PolicyDocument.Statement as Statement[]).some((statement) =>
          actionList(statement).includes('sqs:SendMessage'),
        ),
    );
    expect(sendingPolicies).toHaveLength(Object.keys(expected).length);
  });

  it('is refused when the wiring gives it two consumers, or a sender and no consumer', () => {
    const twoConsumers = withSpec('rules', (spec) => ({ ...spec, triggers: [trigger] }));
    expect(() => synth({ functions: twoConsumers })).toThrow(/one consumer.*ingest-queue, rules/);
    const noConsumer = FUNCTIONS.filter((spec) => spec.name !== 'ingest-queue');
    expect(() => synth({ functions: noConsumer })).toThrow(/events has sendsToEventsQueue/);
  });

  it('is not created when nothing uses it', () => {
    const bare = synth({
      functions: FUNCTIONS.filter(
        (spec) =>
          !spec.sendsToEventsQueue &&
          !spec.sendsToEventsDlq &&
          !spec.triggers?.some((t) => t.kind === 'events-queue'),
      ),
    });
    expect(bare.stack.eventsQueue).toBeUndefined();
    expect(bare.stack.eventsDlq).toBeUndefined();
    // What is left: the projector's failure queue, and the jobs queue with its DLQ.
    expect(Object.keys(bare.template.findResources('AWS::SQS::Queue')).sort()).toEqual(
      [
        onlyResourceId(bare.template, 'AWS::SQS::Queue', 'ProjectStreamsStreamFailures'),
        ...Object.values(jobsQueuesOf(bare.stack)),
      ].sort(),
    );
    expect(Object.keys(bare.template.toJSON().Outputs)).not.toContain('EventsQueueUrl');
  });
});

describe('jobs queue', () => {
  const { stack, template } = synth();
  const { jobsQueueId, jobsDlqId } = jobsQueuesOf(stack);
  const trigger = triggerOf('run-jobs', 'jobs-queue');
  const consumerTimeout = FUNCTIONS.find((spec) => spec.name === 'run-jobs')?.timeoutSeconds ?? 0;
  const resources = template.toJSON().Resources;

  it('is a standard, SQS-encrypted queue that redrives to its own DLQ after maxReceiveCount receives', () => {
    expect(resources[jobsQueueId].Properties).toEqual({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 6 * consumerTimeout,
      MessageRetentionPeriod: 4 * 24 * 3600,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [jobsDlqId, 'Arn'] },
        maxReceiveCount: trigger.maxReceiveCount,
      },
    });
    expect(jobsDlqId).not.toBe(queuesOf(stack).dlqId);
  });

  it('stays a standard queue when the events queue is FIFO', () => {
    const fifo = synth({ fifo: true });
    const ids = jobsQueuesOf(fifo.stack);
    const fifoResources = fifo.template.toJSON().Resources;
    expect(fifoResources[ids.jobsQueueId].Properties.FifoQueue).toBeUndefined();
    expect(fifoResources[ids.jobsDlqId].Properties.FifoQueue).toBeUndefined();
  });

  it('has a visibility timeout of at least six times the slowest consumer timeout, following the wiring', () => {
    expect(resources[jobsQueueId].Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * consumerTimeout);
    const slower = synth({ functions: withSpec('run-jobs', (spec) => ({ ...spec, timeoutSeconds: 900 })) });
    expect(
      slower.template.toJSON().Resources[jobsQueuesOf(slower.stack).jobsQueueId].Properties.VisibilityTimeout,
    ).toBe(6 * 900);
  });

  it('has a DLQ that keeps messages 14 days, encrypted', () => {
    expect(resources[jobsDlqId].Properties).toEqual({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
  });

  it.each([
    ['queue', jobsQueueId],
    ['DLQ', jobsDlqId],
  ])('the %s refuses plain-HTTP access', (_label, id) => {
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: id }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('feeds run-jobs with partial batch failures and a concurrency cap', () => {
    const mappings = template.findResources('AWS::Lambda::EventSourceMapping', {
      Properties: { EventSourceArn: { 'Fn::GetAtt': [jobsQueueId, 'Arn'] } },
    });
    expect(Object.values(mappings).map((mapping) => mapping.Properties)).toEqual([
      {
        FunctionName: { Ref: functionLogicalId(stack, 'run-jobs') },
        EventSourceArn: { 'Fn::GetAtt': [jobsQueueId, 'Arn'] },
        BatchSize: trigger.batchSize,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: trigger.maxConcurrency },
      },
    ]);
    expect(actionsOf(template, roleLogicalId(stack, 'run-jobs'))).toEqual(
      expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility']),
    );
  });

  it('lets replay, backtest and run-jobs send to it, and not corrections', () => {
    for (const name of ['replay', 'backtest', 'run-jobs']) {
      expect(sendTargetsOf(template, roleLogicalId(stack, name)), name).toEqual([jobsQueueId]);
    }
    expect(sendTargetsOf(template, roleLogicalId(stack, 'corrections'))).toEqual([]);
    expect(
      actionsOf(template, roleLogicalId(stack, 'corrections')).filter((a) => a.startsWith('sqs:')),
    ).toEqual([]);
  });

  it('is refused when a function sends to it and none consumes it, or its consumers disagree on the receive limit', () => {
    const noConsumer = FUNCTIONS.filter((spec) => spec.name !== 'run-jobs');
    expect(() => synth({ functions: noConsumer })).toThrow(
      /replay has sendsToJobsQueue, but no wiring function has a jobs-queue trigger/,
    );
    const disagreeing = withSpec('backtest', (spec) => ({
      ...spec,
      triggers: [{ ...trigger, maxReceiveCount: trigger.maxReceiveCount + 1 }],
    }));
    expect(() => synth({ functions: disagreeing })).toThrow(/one receive limit.*backtest.*run-jobs/);
  });

  it('is not created when nothing uses it', () => {
    const bare = synth({
      functions: FUNCTIONS.filter(
        (spec) => !spec.sendsToJobsQueue && !spec.triggers?.some((t) => t.kind === 'jobs-queue'),
      ),
    });
    expect(bare.stack.jobsQueue).toBeUndefined();
    expect(bare.stack.jobsDlq).toBeUndefined();
    expect(bare.stack.alarms.has('JobsDlq')).toBe(false);
    expect(Object.keys(bare.template.toJSON().Outputs)).not.toContain('JobsQueueUrl');
    expect(bare.stack.eventsQueue).toBeDefined();
  });
});

describe('FIFO events queue (fifo: true)', () => {
  const { stack, template } = synth({ fifo: true });
  const { queueId, dlqId } = queuesOf(stack);
  const trigger = triggerOf('ingest-queue', 'events-queue');
  const resources = template.toJSON().Resources;
  const fifoProperties = {
    FifoQueue: true,
    ContentBasedDeduplication: false,
    DeduplicationScope: 'messageGroup',
    FifoThroughputLimit: 'perMessageGroupId',
  };

  it('makes the queue and its DLQ FIFO, without content-based deduplication', () => {
    expect(resources[queueId].Properties).toMatchObject({
      ...fifoProperties,
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 6 * 30,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
        maxReceiveCount: trigger.maxReceiveCount,
      },
    });
    expect(resources[dlqId].Properties).toMatchObject({
      ...fifoProperties,
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
  });

  it('maps it without a batching window (FIFO sources take none)', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      BatchSize: trigger.batchSize,
      MaximumBatchingWindowInSeconds: Match.absent(),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: trigger.maxConcurrency },
    });
  });

  it('refuses batches over 10', () => {
    const big = withSpec('ingest-queue', (spec) => ({ ...spec, triggers: [{ ...trigger, batchSize: 50 }] }));
    expect(() => synth({ fifo: true, functions: big })).toThrow(/at most 10/);
  });

  it('is off by default', () => {
    for (const queue of Object.values(synth().template.findResources('AWS::SQS::Queue'))) {
      expect(queue.Properties.FifoQueue).toBeUndefined();
    }
  });
});

describe('stream projector', () => {
  const { stack, template } = synth();
  const streamed = FUNCTIONS.flatMap((spec) =>
    (spec.triggers ?? [])
      .filter((trigger) => trigger.kind === 'table-stream')
      .map((trigger) => ({ spec, trigger })),
  );

  it('has one table-stream event source mapping per table-stream trigger', () => {
    expect(streamed.length).toBeGreaterThan(0);
    const mappings = template.findResources('AWS::Lambda::EventSourceMapping', {
      Properties: { EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.table), 'StreamArn'] } },
    });
    expect(Object.keys(mappings)).toHaveLength(streamed.length);
  });

  it.each(streamed.map(({ spec, trigger }) => [spec.name, trigger] as const))(
    '%s reads the table stream filtered to new EVENT# items, with partial batch failures and an encrypted DLQ',
    (name, trigger) => {
      const failuresId = onlyResourceId(
        template,
        'AWS::SQS::Queue',
        `${functionOf(stack, name).node.id}StreamFailures`,
      );
      expect(template.toJSON().Resources[failuresId].Properties).toEqual({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: functionLogicalId(stack, name) },
        EventSourceArn: {
          'Fn::GetAtt': [logicalId(stack.table), 'StreamArn'],
        },
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: trigger.batchSize,
        MaximumBatchingWindowInSeconds: trigger.maxBatchingWindowSeconds,
        MaximumRetryAttempts: trigger.retryAttempts,
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [failuresId, 'Arn'] } } },
        FilterCriteria: {
          Filters: [
            {
              Pattern: Match.serializedJson({
                eventName: ['INSERT'],
                dynamodb: { Keys: { sk: { S: [{ prefix: 'EVENT#' }] } } },
              }),
            },
          ],
        },
      });
      // The failure queue refuses plain-HTTP access.
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: failuresId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
      expect(actionsOf(template, roleLogicalId(stack, name))).toEqual(
        expect.arrayContaining(['sqs:SendMessage', 'dynamodb:GetRecords', 'dynamodb:DescribeStream']),
      );
    },
  );
});

describe('MSK event source', () => {
  const trigger = triggerOf('ingest-kafka', 'kafka');

  it('is off by default: no ingest-kafka function, no Kafka mapping, no Kafka permission', () => {
    const { stack, template } = synth();
    expect(stack.msk).toBeUndefined();
    expect(stack.functions.has('ingest-kafka')).toBe(false);
    expect([...stack.functions.keys()].sort()).toEqual(WITHOUT_MSK.map((spec) => spec.name).sort());
    template.resourceCountIs('AWS::Lambda::Function', WITHOUT_MSK.length);
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 3);
    expect(
      template.findResources('AWS::Lambda::EventSourceMapping', { Properties: { Topics: Match.anyValue() } }),
    ).toEqual({});
    expect(JSON.stringify(template.toJSON())).not.toMatch(/kafka/i);
  });

  function expectKafkaMapping(stack: TallyStack, template: Template): void {
    const failuresId = onlyResourceId(template, 'AWS::SQS::Queue', 'IngestKafkaKafkaFailures');
    const mappings = template.findResources('AWS::Lambda::EventSourceMapping', {
      Properties: { Topics: Match.anyValue() },
    });
    expect(Object.values(mappings).map((mapping) => mapping.Properties)).toEqual([
      {
        FunctionName: { Ref: functionLogicalId(stack, 'ingest-kafka') },
        EventSourceArn: MSK.clusterArn,
        Topics: [MSK.topic],
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: trigger.batchSize,
        MaximumBatchingWindowInSeconds: trigger.maxBatchingWindowSeconds,
        AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: 'Tally-ingest-kafka' },
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [failuresId, 'Arn'] } } },
      },
    ]);
  }

  it('reads the topic from the oldest record when given a cluster ARN and topic', () => {
    const { stack, template } = synth({ msk: MSK });
    expect(stack.msk).toEqual(MSK);
    expectKafkaMapping(stack, template);
  });

  it('also takes the cluster ARN and topic from the context', () => {
    const { stack, template } = synth({}, { mskClusterArn: MSK.clusterArn, mskTopic: MSK.topic });
    expect(stack.functions.has('ingest-kafka')).toBe(true);
    expectKafkaMapping(stack, template);
  });

  it('may read only its topic and commit only its consumer group', () => {
    const { stack, template } = synth({ msk: MSK });
    const inCluster = (kind: string, name: string) =>
      `${MSK.clusterArn.replace(':cluster/', `:${kind}/`)}/${name}`;
    const statements = statementsOf(template, roleLogicalId(stack, 'ingest-kafka'));
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: ['kafka-cluster:Connect', 'kafka-cluster:DescribeClusterDynamicConfiguration'],
          Resource: MSK.clusterArn,
        }),
        expect.objectContaining({
          Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
          Resource: inCluster('topic', MSK.topic),
        }),
        expect.objectContaining({
          Action: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
          Resource: inCluster('group', 'Tally-ingest-kafka'),
        }),
      ]),
    );
    const kafkaStatements = statements.filter((statement) =>
      actionList(statement).some((action) => action.startsWith('kafka')),
    );
    for (const statement of kafkaStatements) expect(statement.Resource).not.toBe('*');
  });

  it('refuses half a configuration or a malformed ARN or topic', () => {
    expect(() => synth({}, { mskClusterArn: MSK.clusterArn })).toThrow(/set both/);
    expect(() => synth({ msk: { ...MSK, clusterArn: 'arn:aws:sqs:eu-west-1:123456789012:tally' } })).toThrow(
      /MSK cluster ARN/,
    );
    expect(() => synth({ msk: { ...MSK, topic: 'no spaces' } })).toThrow(/MSK topic/);
  });
});

describe('dead-letter alarms', () => {
  const dlqAlarm = (queueId: string) => ({
    Namespace: 'AWS/SQS',
    MetricName: 'ApproximateNumberOfMessagesVisible',
    Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
    Statistic: 'Maximum',
    Period: 300,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    EvaluationPeriods: 1,
    DatapointsToAlarm: 1,
    TreatMissingData: 'ignore',
  });

  it('alarms when the events DLQ, the jobs DLQ or the projector failure queue holds a message', () => {
    const { stack, template } = synth();
    const { dlqId } = queuesOf(stack);
    const { jobsDlqId } = jobsQueuesOf(stack);
    const streamFailures = onlyResourceId(template, 'AWS::SQS::Queue', 'ProjectStreamsStreamFailures');
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', dlqAlarm(dlqId));
    template.hasResourceProperties('AWS::CloudWatch::Alarm', dlqAlarm(jobsDlqId));
    template.hasResourceProperties('AWS::CloudWatch::Alarm', dlqAlarm(streamFailures));
    expect([...stack.alarms.keys()].sort()).toEqual(['EventsDlq', 'JobsDlq', 'ProjectStreamsStreamFailures']);
    for (const [id, alarm] of stack.alarms) {
      template.hasOutput(`${id}AlarmName`, { Value: { Ref: logicalId(alarm) } });
    }
  });

  it('alarms on the Kafka failure queue too when MSK is on', () => {
    const { stack, template } = synth({ msk: MSK });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    template.hasResourceProperties(
      'AWS::CloudWatch::Alarm',
      dlqAlarm(onlyResourceId(template, 'AWS::SQS::Queue', 'IngestKafkaKafkaFailures')),
    );
    expect(stack.alarms.has('IngestKafkaKafkaFailures')).toBe(true);
  });

  it('notifies the alarm actions an operator passes', () => {
    const app = new App({
      outdir: mkdtempSync(path.join(projectRoot, 'cdk.out-')),
      context: { 'aws:cdk:bundling-stacks': [] },
    });
    const topics = new Stack(app, 'Topics');
    const action: IAlarmAction = new SnsAction(new Topic(topics, 'OnCall'));
    const stack = new TallyStack(app, 'Tally', { projectRoot, alarmActions: [action] });
    const alarms = Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm');
    expect(Object.keys(alarms)).toHaveLength(3);
    for (const alarm of Object.values(alarms)) {
      expect(alarm.Properties.AlarmActions).toHaveLength(1);
    }
  });
});

/** Every acknowledgment recorded with Validations.of(x).acknowledge, with where it was made. */
function acknowledgments(root: IConstruct): { path: string; id: string; reason: string }[] {
  const found: { path: string; id: string; reason: string }[] = [];
  for (const construct of root.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        found.push({ path: construct.node.path, id: id.replace(/^annotation::/i, ''), reason });
      }
    }
  }
  return found;
}

describe('cdk-nag AwsSolutions', () => {
  it.each([
    ['the wiring table', {}],
    ['MSK on', { msk: MSK }],
    ['a FIFO events queue', { fifo: true }],
  ] as const)('reports no unacknowledged error for %s', (_label, props) => {
    const { stack } = synth(props);
    const report = new AwsSolutionsChecks().validateScope(stack);
    const errors = report.violations
      .filter((violation) => violation.severity === 'error')
      .map((violation) => ({
        rule: violation.ruleName,
        at: violation.violatingResources.map((resource) => resource.constructPath),
      }));
    expect(errors).toEqual([]);
  });

  it('still finds real problems (the check is not vacuous)', () => {
    const stack = new Stack(new App({ outdir: mkdtempSync(path.join(projectRoot, 'cdk.out-')) }), 'Bare');
    // A table without point-in-time recovery must be reported.
    new Table(stack, 'NoBackups', { partitionKey: { name: 'pk', type: AttributeType.STRING } });
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((violation) => violation.ruleName)).toContain('AwsSolutions-DDB3');
  });

  it('gives every acknowledgment a specific reason, on the one construct it is about', () => {
    const { stack } = synth({ msk: MSK });
    const found = acknowledgments(stack);
    const publicRoutes = FUNCTIONS.flatMap((spec) => spec.routes ?? []).filter(
      (route) => !isAdminRoute(route),
    );
    expect(found.filter((ack) => ack.id === 'AwsSolutions-APIG4')).toHaveLength(publicRoutes.length);
    expect(
      found
        .filter((ack) => ack.id !== 'AwsSolutions-APIG4')
        .map((ack) => `${ack.path} ${ack.id}`)
        .sort(),
    ).toEqual(
      [
        'Tally/EventsDlq AwsSolutions-SQS3',
        'Tally/JobsDlq AwsSolutions-SQS3',
        'Tally/ProjectStreamsStreamFailures AwsSolutions-SQS3',
        'Tally/IngestKafkaKafkaFailures AwsSolutions-SQS3',
        'Tally/ProjectStreams/Role AwsSolutions-IAM5[Resource::*]',
        'Tally/IngestKafka/Role AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaMSKExecutionRole]',
      ].sort(),
    );
    for (const ack of found) {
      expect(ack.reason.length, `${ack.id} at ${ack.path}`).toBeGreaterThan(40);
    }
  });
});
