/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy` (cdk.json runs this file with tsx).
 *
 * Context — authorization (one of these is required; synth fails without, so no API deploys open):
 *   -c jwtIssuer=https://idp.example/ -c jwtAudience=tally[,other]
 *                              JWT authorizer (any OIDC issuer) on every non-public route, with the
 *                              route's wiring scopes; -c jwtScopePrefix=api/ if the issuer namespaces scopes
 *   -c cognito=true            create a Cognito user pool (resource server with the scopes, client-credentials
 *                              app client) and use it as the issuer; -c cognitoDomainPrefix=... for its domain
 *   -c auth=iam                IAM (SigV4) on every non-public route, for service-to-service deployments;
 *                              one managed policy per scope is output to attach to callers' roles
 *
 * Context — limits:
 *   -c waf=true                CloudFront + WAF in front of the API (deploy in us-east-1), rate-based rules
 *                              per IP (-c wafIpRateLimit=2000) and per token (-c wafTokenRateLimit=1000), per 5 min
 *   -c reservedConcurrency=deposit=50,events=20
 *                              Lambda reserved concurrency per function
 *
 * Context — the operator console:
 *   -c console=true            the console (console/, built with Vite at synth) in a private S3 bucket behind
 *                              CloudFront (origin access control), signing in with the issuer's authorization
 *                              code + PKCE; with -c jwtIssuer also -c consoleClientId=<public client id>
 *                              (Cognito makes its own client); -c consoleDist=DIR ships a console built elsewhere
 *
 * Context — other:
 *   -c removalPolicy=destroy   throwaway dev stack: table, queues and log groups go with the stack
 *   -c nag=true                run the cdk-nag AwsSolutions checks; synth fails on unacknowledged errors
 *   -c fifo=true               FIFO events queue and DLQ (MessageGroupId = subject), for per-wallet order
 *   -c mskClusterArn=arn:aws:kafka:... -c mskTopic=tally-events
 *                              read CloudEvents from an MSK topic too; without both, MSK is off and
 *                              the ingest-kafka function is not deployed
 *   -c alarmTopicArn=arn:aws:sns:...
 *                              notify this SNS topic when a dead-letter queue holds messages
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { TallyStack } from '../lib/tally-stack.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const app = new App();

const removalPolicyContext: unknown = app.node.tryGetContext('removalPolicy');
if (
  removalPolicyContext !== undefined &&
  removalPolicyContext !== 'retain' &&
  removalPolicyContext !== 'destroy'
) {
  throw new Error(`context removalPolicy must be "retain" or "destroy", got ${String(removalPolicyContext)}`);
}

const fifoContext: unknown = app.node.tryGetContext('fifo');
const alarmTopicArn: unknown = app.node.tryGetContext('alarmTopicArn');
if (alarmTopicArn !== undefined && typeof alarmTopicArn !== 'string') {
  throw new Error('context alarmTopicArn must be an SNS topic ARN');
}

const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;

const stack = new TallyStack(app, 'Tally', {
  description: 'Tally: event-sourced wallet ledger',
  // Environment-agnostic unless the CLI resolved an account and region.
  ...(account !== undefined && region !== undefined ? { env: { account, region } } : {}),
  removalPolicy: removalPolicyContext === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
  projectRoot: repoRoot,
  fifo: fifoContext === true || fifoContext === 'true',
  // MSK comes from the context mskClusterArn + mskTopic, read by the stack itself.
});
if (alarmTopicArn !== undefined) {
  const action = new SnsAction(Topic.fromTopicArn(stack, 'AlarmTopic', alarmTopicArn));
  for (const alarm of stack.alarms.values()) alarm.addAlarmAction(action);
}

const nagContext: unknown = app.node.tryGetContext('nag');
if (nagContext === true || nagContext === 'true') {
  // cdk-nag is a dev dependency: load it only when asked for.
  const { AwsSolutionsChecks } = await import('cdk-nag');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}
