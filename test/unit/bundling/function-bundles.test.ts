/**
 * What each function bundle holds, built as the stack builds it (the shared options of
 * lib/constructs/bundling.ts, through the bench's builder): only the runtime's AWS SDK packages are
 * left external, no test/bench/CDK code gets in, and functions that never evaluate rules do not
 * carry the rules engine.
 */
import { builtinModules } from 'node:module';
import { describe, expect, it } from 'vitest';
import { OPTIONAL_MODULES, PAYMENT_PROVIDER_MODULES } from '../../../lib/constructs/bundling.ts';
import { FUNCTIONS } from '../../../lib/wiring.ts';
import { functionBundle } from '../../support/function-bundles.ts';

/**
 * The AWS SDK v3 packages the code may import: all of them ship with the Lambda Node.js 24 runtime.
 * A new one here must be checked against the runtime's SDK (docs/benchmarks.md, "Bundling") before it is added.
 */
const RUNTIME_SDK_PACKAGES = [
  '@aws-sdk/client-dynamodb',
  '@aws-sdk/client-eventbridge',
  '@aws-sdk/client-kafka',
  // The Stripe keys (payments functions only, imported lazily): in the runtime's SDK like the others.
  '@aws-sdk/client-secrets-manager',
  '@aws-sdk/client-sqs',
  '@aws-sdk/lib-dynamodb',
  '@aws-sdk/util-dynamodb',
];
const isBuiltin = (specifier: string) =>
  specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0] ?? specifier);

/** What aws-xray-sdk-core imports of Smithy (its error classification): bundled, not an SDK copy. */
const XRAY_SDK_LEAF = /^node_modules\/@smithy\/service-error-classification\/dist-es\/(index|constants)\.js$/;

/** Functions whose code never reads or compiles a rule set. */
const WITHOUT_RULES = ['deposit', 'events', 'health'];

describe.each(FUNCTIONS.map((spec) => [spec.name, spec] as const))('the %s bundle', (name, spec) => {
  const built = functionBundle(name);

  it('leaves out only AWS SDK packages the runtime provides, and Node built-ins', async () => {
    const { externals } = await built;
    expect(
      externals.filter(
        (specifier) =>
          !isBuiltin(specifier) &&
          !RUNTIME_SDK_PACKAGES.includes(specifier) &&
          // Loaded lazily on the optional MSK path and shipped beside the publisher (bundling.ts).
          !(
            (spec.publishesEvents === true || spec.republishesEvents === true) &&
            OPTIONAL_MODULES.includes(specifier)
          ) &&
          // Loaded lazily when the provider is Stripe, and shipped beside the payment functions then.
          !(spec.takesPayments === true && PAYMENT_PROVIDER_MODULES.includes(specifier)),
      ),
    ).toEqual([]);
    // Every bundle builds at once when the file loads; on a loaded machine the first wait is long.
  }, 120_000);

  it('holds no test, bench or CDK code, no copy of the AWS SDK, and no payment provider SDK', async () => {
    const { inputs } = await built;
    expect(inputs.length).toBeGreaterThan(0);
    const offenders = inputs.filter(
      (input) =>
        /^(test|bench)\/|node_modules\/(aws-cdk-lib|constructs|vitest|@aws-sdk|@smithy|fauxqs|stripe)\//.test(
          input,
        ) &&
        // The X-Ray SDK's (Powertools Tracer's) one leaf import, two small files of error codes.
        !XRAY_SDK_LEAF.test(input),
    );
    expect(offenders).toEqual([]);
  });

  it('carries no OpenTelemetry SDK and no local host: only the local runtime loads them', async () => {
    const { inputs } = await built;
    expect(
      inputs.filter((input) =>
        /node_modules\/@opentelemetry\/|adapters\/local\/|(^|\/)functions\/local\//.test(input),
      ),
    ).toEqual([]);
  });
});

describe.each(FUNCTIONS.filter((spec) => WITHOUT_RULES.includes(spec.name)).map((spec) => spec.name))(
  'the %s bundle, which never reads rules,',
  (name) => {
    it('loads no rules engine (yaml, CEL) at a cold start', async () => {
      const { eagerInputs } = await functionBundle(name);
      // What index.mjs and its static chunks hold. esbuild also writes a chunk for every `import()`
      // in the module graph (the rule-set reader's, here), which this function never runs.
      expect(
        Object.keys(eagerInputs).filter((input) =>
          /node_modules\/(yaml|@marcbachmann)\/|^functions\/rules\//.test(input),
        ),
      ).toEqual([]);
    });
  },
);

it('names only wiring functions as rule-free', () => {
  const names = FUNCTIONS.map((spec) => spec.name);
  expect(WITHOUT_RULES.filter((name) => !names.includes(name))).toEqual([]);
});

/** The functions that record CloudWatch metrics (observability/metrics.ts); the rest carry no Metrics. */
const RECORDING_METRICS = [
  'deposit',
  'events',
  'ingest-queue',
  'ingest-kafka',
  'project-streams',
  'publish-events',
];

describe.each(FUNCTIONS.map((spec) => spec.name))('the %s bundle', (name) => {
  it(`has Powertools Metrics and its middleware only if it records metrics`, async () => {
    const { eagerInputs } = await functionBundle(name);
    const carried = Object.keys(eagerInputs).some((input) =>
      input.startsWith('node_modules/@aws-lambda-powertools/metrics/lib/esm/Metrics.js'),
    );
    expect(carried).toBe(RECORDING_METRICS.includes(name));
    // Nor its flush middleware (`logMetrics`): metrics.ts hands it to `observed` (flushMetrics).
    const flush =
      (eagerInputs['node_modules/@aws-lambda-powertools/metrics/lib/esm/middleware/middy.js'] ?? 0) > 0;
    expect(flush, 'logMetrics middleware').toBe(RECORDING_METRICS.includes(name));
  }, 120_000);
});

describe('formats a function reads only on some invocations', () => {
  const bundle = (name: string) => {
    return functionBundle(name);
  };

  it('ingest-kafka loads protobufjs only with the first protobuf record (a lazy chunk)', async () => {
    const { eagerInputs, inputs } = await bundle('ingest-kafka');
    const protobuf = (input: string) =>
      /node_modules\/protobufjs\/|adapters\/kafka\/msk-protobuf/.test(input);
    expect(Object.keys(eagerInputs).filter(protobuf)).toEqual([]);
    // Still shipped: a protobuf record is decoded by the chunk beside index.mjs.
    expect(inputs.filter(protobuf).length).toBeGreaterThan(1);
  }, 120_000);

  it.each(['rules', 'decision-rules'])(
    '%s loads the CEL engine only on the routes that compile (list versions, check, publish)',
    async (name) => {
      const { eagerInputs, inputs } = await bundle(name);
      const cel = (input: string) => input.startsWith('node_modules/@marcbachmann/cel-js/');
      expect(Object.keys(eagerInputs).filter(cel)).toEqual([]);
      expect(inputs.filter(cel).length).toBeGreaterThan(0);
    },
    120_000,
  );

  it.each(FUNCTIONS.filter((spec) => spec.takesPayments === true).map((spec) => spec.name))(
    '%s loads only the configured payment provider, on its first request',
    async (name) => {
      const { eagerInputs, inputs } = await bundle(name);
      const provider = (input: string) =>
        /^functions\/adapters\/payments\/(sandbox|stripe)[a-z-]*\.ts$/.test(input);
      expect(Object.keys(eagerInputs).filter(provider)).toEqual([]);
      expect(inputs.filter(provider).sort()).toEqual(
        expect.arrayContaining([
          'functions/adapters/payments/sandbox.ts',
          'functions/adapters/payments/stripe.ts',
        ]),
      );
    },
    120_000,
  );

  it('openapi carries the document compressed, not as a JSON module', async () => {
    const { eagerInputs, bytes } = await bundle('openapi');
    expect(Object.keys(eagerInputs)).toContain('openapi/document-brotli.ts');
    expect(Object.keys(eagerInputs)).not.toContain('openapi/openapi.json');
    expect(bytes).toBeLessThan(150 * 1024);
  }, 120_000);
});
