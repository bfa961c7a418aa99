import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, type CfnElement, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, describe, expect, it } from 'vitest';
import { TallyStack, type TallyStackProps } from '../../lib/tally-stack.ts';
import { ENV, FUNCTIONS, type FunctionSpec } from '../../lib/wiring.ts';

/** A wiring variation with an admin route, to exercise the authorizer path before any issue adds one. */
const WITH_ADMIN_ROUTE: readonly FunctionSpec[] = [
  ...FUNCTIONS,
  {
    name: 'replay',
    entry: 'functions/handlers/replay.ts',
    description: 'admin route used by this test only',
    memoryMb: 256,
    timeoutSeconds: 30,
    routes: [{ method: 'POST', path: '/admin/replay', admin: true }],
    tableAccess: 'read-write',
  },
];

/**
 * Bundling is skipped in these tests, but NodejsFunction still checks that each entry file exists.
 * A throwaway project root with stub entries keeps the tests independent of functions/.
 */
const projectRoot = mkdtempSync(path.join(tmpdir(), 'tally-cdk-test-'));
writeFileSync(path.join(projectRoot, 'package-lock.json'), '{}\n');
for (const spec of WITH_ADMIN_ROUTE) {
  const entry = path.join(projectRoot, spec.entry);
  mkdirSync(path.dirname(entry), { recursive: true });
  writeFileSync(entry, 'export const handler = async () => undefined;\n');
}
afterAll(() => rmSync(projectRoot, { recursive: true, force: true }));

function synth(props: TallyStackProps = {}): { stack: TallyStack; template: Template } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
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

const functionLogicalId = (stack: TallyStack, name: string) => logicalId(functionOf(stack, name).function);
const roleLogicalId = (stack: TallyStack, name: string) => logicalId(functionOf(stack, name).role);

/** Every IAM action granted to a role through the policies attached to it. */
function actionsOf(template: Template, roleId: string): string[] {
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) },
  });
  const actions: string[] = [];
  for (const policy of Object.values(policies)) {
    const statements = policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[];
    for (const statement of statements) {
      actions.push(...(Array.isArray(statement.Action) ? statement.Action : [statement.Action]));
    }
  }
  return actions;
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

  it('is retained and deletion-protected by default', () => {
    const { template } = synth();
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
    });
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
  const { stack, template } = synth();

  it('creates exactly one Lambda per wiring entry', () => {
    template.resourceCountIs('AWS::Lambda::Function', FUNCTIONS.length);
  });

  it.each(FUNCTIONS.map((spec) => [spec.name, spec] as const))(
    '%s runs on Node.js 24, arm64, with its own log group and the table name',
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
          Variables: {
            [ENV.tableName]: { Ref: logicalId(stack.table) },
            POWERTOOLS_SERVICE_NAME: 'tally',
            POWERTOOLS_METRICS_NAMESPACE: 'Tally',
            NODE_OPTIONS: '--enable-source-maps',
          },
        },
      });
      expect(template.toJSON().Resources[logGroupId].Properties.RetentionInDays).toBe(30);
    },
  );

  it('uses no AWS managed policy (each role writes only to its own log group)', () => {
    const roles = template.findResources('AWS::IAM::Role');
    for (const role of Object.values(roles)) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('table grants follow tableAccess', () => {
  const { stack, template } = synth();

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

  it.each(routes.map(({ spec, route }) => [`${route.method} ${route.path}`, spec.name] as const))(
    '%s invokes %s',
    (routeKey, name) => {
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
        AuthorizationType: 'NONE',
        Target: { 'Fn::Join': ['', ['integrations/', { Ref: integrationIds[0] }]] },
      });
    },
  );

  it('has a $default stage with throttling and JSON access logs keyed by request id', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingBurstLimit: 1000, ThrottlingRateLimit: 500 },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiAccessLogs'), 'Arn'] },
        Format: Match.serializedJson(Match.objectLike({ requestId: '$context.requestId' })),
      },
    });
  });

  it('puts admin routes behind IAM auth', () => {
    const admin = synth({ functions: WITH_ADMIN_ROUTE });
    admin.template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /admin/replay',
      AuthorizationType: 'AWS_IAM',
    });
    admin.template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /deposit',
      AuthorizationType: 'NONE',
    });
  });

  it('outputs the API URL and the table name', () => {
    template.hasOutput('ApiUrl', {
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^HttpApi'), 'ApiEndpoint'] },
    });
    template.hasOutput('TableName', {
      Value: { Ref: logicalId(stack.table) },
    });
  });
});

describe('stream projector', () => {
  const { stack, template } = synth();
  const streamed = FUNCTIONS.flatMap((spec) =>
    (spec.triggers ?? [])
      .filter((trigger) => trigger.kind === 'table-stream')
      .map((trigger) => ({ spec, trigger })),
  );

  it('has one event source mapping per table-stream trigger', () => {
    expect(streamed.length).toBeGreaterThan(0);
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', streamed.length);
  });

  it.each(streamed.map(({ spec, trigger }) => [spec.name, trigger] as const))(
    '%s reads the table stream filtered to new EVENT# items, with partial batch failures and an encrypted DLQ',
    (name, trigger) => {
      const queues = template.findResources('AWS::SQS::Queue', {
        Properties: { SqsManagedSseEnabled: true },
      });
      const queueIds = Object.keys(queues);
      expect(queueIds).toHaveLength(1);
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
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueIds[0], 'Arn'] } } },
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
        Queues: [{ Ref: queueIds[0] }],
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
    ['the wiring table', FUNCTIONS],
    ['a wiring with an admin route', WITH_ADMIN_ROUTE],
  ] as const)('reports no unacknowledged error for %s', (_label, functions) => {
    const { stack } = synth({ functions });
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
    const stack = new Stack(new App(), 'Bare');
    // A table without point-in-time recovery must be reported.
    new Table(stack, 'NoBackups', { partitionKey: { name: 'pk', type: AttributeType.STRING } });
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((violation) => violation.ruleName)).toContain('AwsSolutions-DDB3');
  });

  it('gives every acknowledgment a specific reason, and only acknowledges AwsSolutions rules', () => {
    const { stack } = synth({ functions: WITH_ADMIN_ROUTE });
    const found = acknowledgments(stack);
    expect(found.map((ack) => ack.id).sort()).toEqual(
      [
        ...FUNCTIONS.flatMap((spec) => spec.routes ?? []).map(() => 'AwsSolutions-APIG4'),
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-SQS3',
      ].sort(),
    );
    for (const ack of found) {
      expect(ack.reason.length, `${ack.id} at ${ack.path}`).toBeGreaterThan(40);
    }
    // The IAM wildcard acknowledgment sits on the projector's role only, never on the whole stack.
    expect(found.find((ack) => ack.id.startsWith('AwsSolutions-IAM5'))?.path).toBe(
      'Tally/ProjectStreams/Role',
    );
  });
});
