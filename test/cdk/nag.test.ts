import { type App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { constructIdOf } from '../../lib/constructs/tally-function.ts';
import type { TallyStackProps } from '../../lib/tally-stack.ts';
import { MSK, newApp, ROUTES, STACK_VARIANTS, synth } from './support.ts';

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

/**
 * cdk-nag's errors in a stack. Its synth also runs CloudFormation's own rules, strict (an error
 * throws): the one place where the CDK tests run them (test/cdk/support.ts newApp).
 */
function nagErrors(props: TallyStackProps, context: Record<string, unknown> = {}) {
  const { stack } = synth(props, context, { validation: true });
  const report = new AwsSolutionsChecks().validateScope(stack);
  return report.violations
    .filter((violation) => violation.severity === 'error')
    .map((violation) => ({
      rule: violation.ruleName,
      at: violation.violatingResources.map((resource) => resource.constructPath),
    }));
}

describe('cdk-nag AwsSolutions', () => {
  it.each(STACK_VARIANTS)(
    'reports no unacknowledged error (nor CloudFormation’s rules any) for %s',
    (_label, props, context) => {
      expect(nagErrors(props as TallyStackProps, context)).toEqual([]);
    },
  );

  it('still finds real problems (the check is not vacuous)', () => {
    const stack = new Stack(newApp(), 'Bare');
    // A table without point-in-time recovery must be reported.
    new Table(stack, 'NoBackups', { partitionKey: { name: 'pk', type: AttributeType.STRING } });
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((violation) => violation.ruleName)).toContain('AwsSolutions-DDB3');
  });

  it('acknowledges APIG4 (no authorizer) only on the public routes, each with the wiring’s own reason', () => {
    const { stack } = synth({ msk: MSK });
    const apig4 = acknowledgments(stack).filter((ack) => ack.id === 'AwsSolutions-APIG4');
    const publicRoutes = ROUTES.filter(({ route }) => 'public' in route.auth);
    expect(publicRoutes.map(({ routeKey }) => routeKey).sort()).toEqual([
      'GET /docs',
      'GET /health',
      'GET /openapi.json',
      'POST /payments/webhook',
    ]);
    expect(apig4).toEqual(
      publicRoutes.map(({ route }) => ({
        path: `Tally/Api/HttpApi/${route.method}--${route.path.slice(1).replaceAll('/', '--')}`,
        id: 'AwsSolutions-APIG4',
        reason: `Public by the wiring table: ${'public' in route.auth ? route.auth.public : ''}`,
      })),
    );
  });

  it('reports APIG4 for an HTTP API route without an authorizer (so a quiet report means every route has one)', () => {
    const stack = new Stack(newApp(), 'Open');
    const api = new HttpApi(stack, 'Api');
    const fn = new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({})'),
    });
    api.addRoutes({
      path: '/deposit',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('I', fn),
    });
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((violation) => violation.ruleName)).toContain('AwsSolutions-APIG4');
  });

  it('gives every other acknowledgment a specific reason, on the one construct it is about', () => {
    const { stack } = synth({ msk: MSK });
    const found = acknowledgments(stack).filter((ack) => ack.id !== 'AwsSolutions-APIG4');
    expect(found.map((ack) => `${ack.path} ${ack.id}`).sort()).toEqual(
      [
        'Tally/Ingest/EventsDlq AwsSolutions-SQS3',
        'Tally/Jobs/JobsDlq AwsSolutions-SQS3',
        // Not rotated automatically: old checkpoints would read as forged (lib/constructs/checkpoint-key.ts).
        'Tally/CheckpointKey/Secret AwsSolutions-SMG4',
        'Tally/Projector/ProjectStreamsStreamFailures AwsSolutions-SQS3',
        'Tally/Ingest/IngestKafkaKafkaFailures AwsSolutions-SQS3',
        'Tally/ProjectStreams/Role AwsSolutions-IAM5[Resource::*]',
        'Tally/Projector/PublishEventsStreamFailures AwsSolutions-SQS3',
        'Tally/PublishEvents/Role AwsSolutions-IAM5[Resource::*]',
        'Tally/IngestKafka/Role AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaMSKExecutionRole]',
        // X-Ray's two actions take no resource but `*`: each function's tracing policy, and only it.
        ...[...stack.functions.keys()].map(
          (name) => `Tally/${constructIdOf(name)}/Tracing AwsSolutions-IAM5[Resource::*]`,
        ),
      ].sort(),
    );
    for (const ack of acknowledgments(stack)) {
      expect(ack.reason.length, `${ack.id} at ${ack.path}`).toBeGreaterThan(40);
    }
  });
});

describe('CloudFormation template validation (aws-cdk-lib built in, strict)', () => {
  const refused = (app: App) => {
    new CfnResource(new Stack(app, 'Bad'), 'Queue', {
      type: 'AWS::SQS::Queue',
      properties: { VisibilityTimeout: 'lots' },
    });
    return app;
  };

  it('fails the synth on a template CloudFormation would refuse (the check is not vacuous)', () => {
    const app = refused(newApp({}, { validation: true }));
    expect(() => app.synth()).toThrow(/VisibilityTimeout: 'lots' is not of type 'integer'/);
  });

  it('is off in the other CDK tests’ synths (no option)', () => {
    const app = refused(newApp());
    expect(() => app.synth()).not.toThrow();
  });
});
