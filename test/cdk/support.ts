/**
 * Shared helpers of the CDK tests: a synth without bundling, logical ids, and the IAM statements of a
 * function's role. Each test file synthesizes its own stacks.
 *
 * The cdk project runs its files without isolation (vitest.config.ts): a worker imports aws-cdk-lib,
 * the stack and this module once, not once per file. So nothing here may hold state a test
 * changes.
 */
import { mkdtempSync } from 'node:fs';
import * as path from 'node:path';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { VALIDATE_AGAINST_DEFAULT_RULES } from 'aws-cdk-lib/cx-api';
import type { IConstruct } from 'constructs';
import { expect, inject } from 'vitest';
import { type ApiAuth, type MskSource, TallyStack, type TallyStackProps } from '../../lib/tally-stack.ts';
import { FUNCTIONS, type FunctionSpec, type RouteSpec, type TriggerSpec } from '../../lib/wiring.ts';

export const MSK: MskSource = {
  clusterArn: 'arn:aws:kafka:eu-west-1:123456789012:cluster/tally/0a1b2c3d-4e5f-6789-abcd-ef0123456789-2',
  topic: 'tally-events',
};

/** The issuer the tests deploy with unless a test picks another mode. */
export const JWT: ApiAuth = { kind: 'jwt', issuer: 'https://issuer.example/', audience: ['tally'] };

export const hasKafkaTrigger = (spec: FunctionSpec) =>
  (spec.triggers ?? []).some((trigger) => trigger.kind === 'kafka');
/** The functions deployed while MSK is off (the default). */
export const WITHOUT_MSK = FUNCTIONS.filter((spec) => !hasKafkaTrigger(spec));

/** Every wiring route with the function serving it. */
export const ROUTES: { spec: FunctionSpec; route: RouteSpec; routeKey: string }[] = FUNCTIONS.flatMap(
  (spec) => (spec.routes ?? []).map((route) => ({ spec, route, routeKey: `${route.method} ${route.path}` })),
);

export function triggerOf<K extends TriggerSpec['kind']>(
  name: string,
  kind: K,
): Extract<TriggerSpec, { kind: K }> {
  const trigger = FUNCTIONS.find((spec) => spec.name === name)?.triggers?.find((t) => t.kind === kind);
  if (trigger === undefined) throw new Error(`${name} has no ${kind} trigger`);
  return trigger as Extract<TriggerSpec, { kind: K }>;
}

export function specOf(name: string): FunctionSpec {
  const spec = FUNCTIONS.find((candidate) => candidate.name === name);
  if (spec === undefined) throw new Error(`no wiring function ${name}`);
  return spec;
}

/** The wiring with one function changed, for tests of derived settings. */
export function withSpec(name: string, change: (spec: FunctionSpec) => FunctionSpec): FunctionSpec[] {
  return FUNCTIONS.map((spec) => (spec.name === name ? change(spec) : spec));
}

/**
 * The run's throwaway project root with a stub entry per function (test/cdk/project-root-setup.ts):
 * bundling is skipped, but NodejsFunction checks that each entry file exists.
 */
export const projectRoot = inject('cdkProjectRoot');

/**
 * One stack per deploy-time choice: the stacks that the whole-template checks (cdk-nag in
 * nag.test.ts, CloudFormation's own rules in cfn-validate.test.ts) cover.
 */
export const STACK_VARIANTS = [
  ['the wiring table (JWT)', {}, {}],
  ['MSK on', { msk: MSK }, {}],
  ['MSK decisions topic', {}, { mskClusterArn: MSK.clusterArn, decisionsTopic: 'decisions' }],
  ['a FIFO events queue', { fifo: true }, {}],
  ['IAM authorization', { auth: undefined }, { auth: 'iam' }],
  ['Cognito as the issuer', { auth: undefined }, { cognito: 'true' }],
  ['CloudFront and WAF in front', { waf: {} }, {}],
] as const satisfies readonly (readonly [string, TallyStackProps, Record<string, unknown>])[];

/** Whether a synth checks its templates against CloudFormation's rules (see {@link newApp}). */
export interface SynthOptions {
  validation?: boolean;
}

/**
 * A new App whose cloud assembly lands under projectRoot (removed with it).
 *
 * aws-cdk-lib checks every synthesized template against CloudFormation's rules (a WebAssembly
 * engine: about 4 s of CPU to start in each test file, about 1 s a template) and, unless told to be
 * strict, only warns. The tests read no warning, so that check is off here except with
 * `validation`, which turns it on and strict (an error fails the synth): cfn-validate.test.ts runs
 * it over every {@link STACK_VARIANTS} stack.
 */
export function newApp(
  context: Record<string, unknown> = {},
  { validation = false }: SynthOptions = {},
): App {
  return new App({
    outdir: mkdtempSync(path.join(projectRoot, 'cdk.out-')),
    context: {
      'aws:cdk:bundling-stacks': [],
      ...(validation ? { [VALIDATE_AGAINST_DEFAULT_RULES]: true } : {}),
      ...context,
    },
    builtinCloudFormationValidation: validation,
  });
}

/**
 * The Tally stack and its template. `auth` defaults to {@link JWT} unless the context chooses a
 * mode (pass `auth: undefined` explicitly to read the context only).
 */
export function synth(
  props: TallyStackProps = {},
  context: Record<string, unknown> = {},
  options: SynthOptions = {},
): { stack: TallyStack; template: Template } {
  const fromContext = ['auth', 'jwtIssuer', 'cognito'].some((key) => key in context);
  const auth = 'auth' in props || fromContext ? props.auth : JWT;
  const stack = new TallyStack(newApp(context, options), 'Tally', {
    projectRoot,
    ...props,
    ...(auth === undefined ? {} : { auth }),
  });
  return { stack, template: Template.fromStack(stack) };
}

/** The CloudFormation logical id of an L2 construct's main resource. */
export function logicalId(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
}

export function functionOf(stack: TallyStack, name: string) {
  const fn = stack.functions.get(name);
  if (fn === undefined) throw new Error(`no function ${name}`);
  return fn;
}

export function queuesOf(stack: TallyStack) {
  if (stack.eventsQueue === undefined || stack.eventsDlq === undefined) throw new Error('no events queue');
  return { queueId: logicalId(stack.eventsQueue), dlqId: logicalId(stack.eventsDlq) };
}

export function jobsQueuesOf(stack: TallyStack) {
  if (stack.jobsQueue === undefined || stack.jobsDlq === undefined) throw new Error('no jobs queue');
  return { jobsQueueId: logicalId(stack.jobsQueue), jobsDlqId: logicalId(stack.jobsDlq) };
}

export const functionLogicalId = (stack: TallyStack, name: string) =>
  logicalId(functionOf(stack, name).function);
export const roleLogicalId = (stack: TallyStack, name: string) => logicalId(functionOf(stack, name).role);

export interface Statement {
  Effect?: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** Every IAM statement granted to a role through the policies attached to it. */
export function statementsOf(template: Template, roleId: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) },
  });
  return Object.values(policies).flatMap(
    (policy) => policy.Properties.PolicyDocument.Statement as Statement[],
  );
}

export const actionList = (statement: Statement) =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

/** Every IAM action granted to a role through the policies attached to it. */
export function actionsOf(template: Template, roleId: string): string[] {
  return statementsOf(template, roleId).flatMap(actionList);
}

/** The logical ids of the queues a role may send to (statements with sqs:SendMessage). */
export function sendTargetsOf(template: Template, roleId: string): string[] {
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
export function onlyResourceId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids, `${type} ${prefix}*`).toHaveLength(1);
  return ids[0] as string;
}

/** The queue policy statement every Tally queue carries: no plain-HTTP access. */
export function expectTlsOnly(template: Template, queueId: string): void {
  template.hasResourceProperties('AWS::SQS::QueuePolicy', {
    Queues: [{ Ref: queueId }],
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      ]),
    },
  });
}

export const WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];
