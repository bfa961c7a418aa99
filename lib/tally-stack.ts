import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { TallyFunction } from './constructs/tally-function.ts';
import { ENV, FUNCTIONS, type FunctionSpec, type RouteSpec, TABLE, type TriggerSpec } from './wiring.ts';

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
}

/** `project-streams` → `ProjectStreams`: the construct id of a wiring function. */
export function constructIdOf(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part.length > 0)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/**
 * Tally: the event-store table, an HTTP API and one Lambda per wiring entry. Everything that is a
 * function, route or trigger comes from the wiring table; nothing here names a handler.
 */
export class TallyStack extends Stack {
  readonly table: dynamodb.Table;
  readonly api: apigw.HttpApi;
  readonly functions: ReadonlyMap<string, TallyFunction>;

  constructor(scope: Construct, id: string, props: TallyStackProps = {}) {
    super(scope, id, props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const projectRoot = props.projectRoot ?? REPO_ROOT;
    const specs = props.functions ?? FUNCTIONS;

    this.table = new dynamodb.Table(this, 'EventStore', {
      partitionKey: { name: TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      // The stream is only a doorbell: projectors read the events from the table in order,
      // so the records need no images.
      stream: dynamodb.StreamViewType[TABLE.streamViewType],
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });

    this.api = this.createApi(removalPolicy);
    // Admin routes are signed with SigV4 by operators (IAM auth): no shared secret to store or
    // rotate, callers are named in CloudTrail, and access is an execute-api:Invoke grant. The IAM
    // authorizer is a route setting, not a resource, so it costs nothing while no route is admin.
    const adminAuthorizer = new HttpIamAuthorizer();

    const functions = new Map<string, TallyFunction>();
    for (const spec of specs) {
      const fn = new TallyFunction(this, constructIdOf(spec.name), {
        entry: path.resolve(projectRoot, spec.entry),
        projectRoot,
        description: spec.description,
        memoryMb: spec.memoryMb,
        timeoutSeconds: spec.timeoutSeconds,
        environment: { [ENV.tableName]: this.table.tableName },
        removalPolicy,
      });
      functions.set(spec.name, fn);
      this.grantTableAccess(spec, fn);

      const routes = spec.routes ?? [];
      if (routes.length > 0) {
        // CDK emits one integration and one invoke permission (scoped to the route) per route.
        const integration = new HttpLambdaIntegration(`${constructIdOf(spec.name)}Integration`, fn.function);
        for (const route of routes) {
          this.addRoute(route, integration, route.admin === true ? adminAuthorizer : undefined);
        }
      }
      for (const trigger of spec.triggers ?? []) {
        this.addTrigger(spec, fn, trigger, removalPolicy);
      }
    }
    this.functions = functions;

    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'TableName', { value: this.table.tableName, description: 'Event-store table' });
  }

  private createApi(removalPolicy: RemovalPolicy): apigw.HttpApi {
    // The default stage is added by hand: HttpApi's own default stage takes no access-log or
    // throttle settings.
    const api = new apigw.HttpApi(this, 'HttpApi', {
      description: 'Tally wallet API',
      createDefaultStage: false,
    });
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy,
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
    removalPolicy: RemovalPolicy,
  ): void {
    switch (trigger.kind) {
      case 'table-stream': {
        const id = constructIdOf(spec.name);
        // Records that still fail after the retries (and bisection) land here as pointers to the
        // shard range; the store still holds the events, so nothing is lost.
        const onFailure = new sqs.Queue(this, `${id}StreamFailures`, {
          encryption: sqs.QueueEncryption.SQS_MANAGED,
          enforceSSL: true,
          retentionPeriod: Duration.days(14),
          removalPolicy,
        });
        Validations.of(onFailure).acknowledge({
          id: 'AwsSolutions-SQS3',
          reason:
            'This queue is itself the on-failure destination (dead-letter) of the stream mapping; it needs no DLQ of its own.',
        });
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
      default: {
        const unknownKind: never = trigger.kind;
        throw new Error(`unknown trigger kind ${String(unknownKind)}`);
      }
    }
  }
}
