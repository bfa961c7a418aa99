/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy` (cdk.json runs this file with tsx).
 *
 * Context:
 *   -c removalPolicy=destroy   throwaway dev stack: table, queues and log groups go with the stack
 *   -c nag=true                run the cdk-nag AwsSolutions checks; synth fails on unacknowledged errors
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, RemovalPolicy, Validations } from 'aws-cdk-lib';
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

const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;

new TallyStack(app, 'Tally', {
  description: 'Tally: event-sourced wallet ledger',
  // Environment-agnostic unless the CLI resolved an account and region.
  ...(account !== undefined && region !== undefined ? { env: { account, region } } : {}),
  removalPolicy: removalPolicyContext === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
  projectRoot: repoRoot,
});

const nagContext: unknown = app.node.tryGetContext('nag');
if (nagContext === true || nagContext === 'true') {
  // cdk-nag is a dev dependency: load it only when asked for.
  const { AwsSolutionsChecks } = await import('cdk-nag');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}
