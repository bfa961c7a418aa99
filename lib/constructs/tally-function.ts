import * as path from 'node:path';
import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  OPTIONAL_MODULES,
  PAYMENT_PROVIDER_MODULES,
  RUNTIME_PROVIDED_MODULES,
  TALLY_ESBUILD_OPTIONS,
} from './bundling.ts';

/**
 * The Lambda runtime every Tally function runs on. cdk-nag's AwsSolutions-L1 asks for the newest
 * Node.js runtime aws-cdk-lib knows, so this moves with aws-cdk-lib upgrades.
 */
export const TALLY_RUNTIME = lambda.Runtime.NODEJS_24_X;

export interface TallyFunctionProps {
  /** Ship OPTIONAL_MODULES (the MSK producer's client and signer) beside the bundle: the publishers only (publish-events, run-jobs). */
  optionalModules?: boolean;
  /**
   * Talks to the payment provider: with `-c paymentProvider=stripe`, PAYMENT_PROVIDER_MODULES
   * (`stripe`) ship beside the bundle; a sandbox stack ships nothing more.
   */
  takesPayments?: boolean;
  /** Absolute path of the handler module (exports `handler`). */
  entry: string;
  /** Directory holding package.json / package-lock.json; esbuild resolves from here. */
  projectRoot: string;
  description: string;
  memoryMb: number;
  timeoutSeconds: number;
  environment: Record<string, string>;
  /** Applied to the function's log group; RETAIN unless the stack is a throwaway dev stack. */
  removalPolicy: RemovalPolicy;
  /** @default one month */
  logRetention?: logs.RetentionDays;
  /** Lambda reserved concurrency (a ceiling and a guaranteed share). @default none */
  reservedConcurrency?: number;
}

/**
 * A NodejsFunction with Tally's safe defaults: ESM bundle built by the local esbuild (no Docker),
 * arm64, newest Node.js runtime, JSON logs into its own log group with a retention, and a role that
 * may write to that log group only (no AWSLambdaBasicExecutionRole, whose `logs:*` on `*` is broader
 * than needed). Callers add table grants and triggers.
 */
export class TallyFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: TallyFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the ${id} function`,
    });
    // The log group exists before the function, so Lambda never needs logs:CreateLogGroup.
    this.logGroup.grantWrite(this.role);

    const nodeModules = [
      ...(props.optionalModules === true ? OPTIONAL_MODULES : []),
      // The context is checked where the function gets its provider (stack-context.ts, wirePayments).
      ...(props.takesPayments === true && this.node.tryGetContext('paymentProvider') === 'stripe'
        ? PAYMENT_PROVIDER_MODULES
        : []),
    ];
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: path.join(props.projectRoot, 'package-lock.json'),
      description: props.description,
      runtime: TALLY_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memoryMb,
      timeout: Duration.seconds(props.timeoutSeconds),
      ...(props.reservedConcurrency === undefined
        ? {}
        : { reservedConcurrentExecutions: props.reservedConcurrency }),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'tally',
        POWERTOOLS_METRICS_NAMESPACE: 'Tally',
        // No NODE_OPTIONS=--enable-source-maps: it reads every map at each cold start (7–14 ms);
        // the functions map their stacks themselves, reading a map only when a stack is written
        // (functions/observability/source-maps.ts).
        ...props.environment,
      },
      bundling: {
        ...tallyBundling(path.relative(props.projectRoot, props.entry)),
        ...(nodeModules.length > 0 ? { nodeModules } : {}),
      },
    });
    activeTracing(this, this.function, this.role);
  }
}

/**
 * X-Ray active tracing: Lambda opens a segment per invocation, the handlers add subsegments through
 * Powertools Tracer (functions/observability/lambda-tracing.ts), and log lines carry `xray_trace_id`. Set on
 * the resource, with the two X-Ray actions in a policy of their own (not `tracing: ACTIVE`, which
 * puts them in the role's default policy): they take no resource but `*`, and acknowledging that
 * here keeps any other wildcard in a function's policy reported.
 */
function activeTracing(scope: Construct, fn: lambda.Function, role: iam.IRole): void {
  (fn.node.defaultChild as lambda.CfnFunction).tracingConfig = { mode: 'Active' };
  const policy = new iam.Policy(scope, 'Tracing', {
    roles: [role],
    statements: [
      new iam.PolicyStatement({
        actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
        resources: ['*'],
      }),
    ],
  });
  // The function is created after its policy, so its first segments are not refused.
  fn.node.addDependency(policy);
  Validations.of(policy).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'X-Ray PutTraceSegments and PutTelemetryRecords have no resource-level permissions',
  });
}

/**
 * The NodejsFunction bundling props, translated from the one definition in ./bundling.ts (the
 * bench builds with the same object). Exported for the test that keeps the two in step.
 */
export function tallyBundling(entry: string): nodejs.BundlingOptions {
  const options = TALLY_ESBUILD_OPTIONS;
  return {
    format: options.format === 'esm' ? nodejs.OutputFormat.ESM : nodejs.OutputFormat.CJS,
    minify: options.minify,
    sourceMap: true,
    sourceMapMode: nodejs.SourceMapMode.EXTERNAL,
    target: options.target,
    mainFields: [...options.mainFields],
    banner: options.banner.js,
    // The runtime's AWS SDK v3 is used, not a bundled copy (why, and the risk: ./bundling.ts).
    bundleAwsSDK: false,
    externalModules: [...options.external],
    // Tree shaking is esbuild's default when bundling; stated so a later flag cannot turn it off unseen.
    esbuildArgs: { '--tree-shaking': String(options.treeShaking) },
    // NodejsFunction builds one file (`--outfile`); the split build (lazy chunks) replaces it.
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (inputDir, outputDir) => [splitBuildCommand(inputDir, outputDir, entry)],
    },
  };
}

/**
 * The shell command that rebuilds a function with the full shared options (code splitting
 * included) into its asset directory: lib/constructs/split-build.mjs, given the options as base64.
 * Exported for the test that checks CDK's asset is the bench's build, byte for byte.
 */
export function splitBuildCommand(inputDir: string, outputDir: string, entry: string): string {
  // A plugin is code, not JSON: the split build re-creates it from the module list it is made of.
  const { plugins, ...data } = TALLY_ESBUILD_OPTIONS;
  const names = plugins.map((plugin) => plugin.name).join(' ');
  if (names !== 'require-runtime-modules middy-lazy-web-streams merge-eager-chunks') {
    throw new Error(
      `split-build.mjs knows only the require-runtime-modules, middy-lazy-web-streams and merge-eager-chunks plugins: ${names}`,
    );
  }
  const options = {
    ...data,
    requireRuntimeModules: RUNTIME_PROVIDED_MODULES,
    middyLazyWebStreams: true,
    mergeEagerChunks: true,
    absWorkingDir: inputDir,
    entryPoints: [path.join(inputDir, entry)],
    outdir: outputDir,
  };
  const encoded = Buffer.from(JSON.stringify(options)).toString('base64');
  return `node "${path.join(inputDir, 'lib', 'constructs', 'split-build.mjs')}" ${encoded}`;
}

/** `project-streams` → `ProjectStreams`: the construct id of a wiring function. */
export function constructIdOf(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part.length > 0)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
