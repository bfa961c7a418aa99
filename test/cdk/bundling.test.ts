/**
 * The function bundles as the stack builds them: one real NodejsFunction bundling of a handler
 * (the other CDK tests skip bundling), and the bundling props translated from the one shared
 * definition the bench builds with too (lib/constructs/bundling.ts).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { afterAll, describe, expect, it } from 'vitest';
import { buildBundle } from '../../bench/cold/build.ts';
import {
  ESM_REQUIRE_BANNER,
  RUNTIME_PROVIDED_MODULES,
  TALLY_ESBUILD_OPTIONS,
} from '../../lib/constructs/bundling.ts';
import { splitBuildCommand, TallyFunction, tallyBundling } from '../../lib/constructs/tally-function.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const outdir = mkdtempSync(path.join(tmpdir(), 'tally-bundling-test-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('the bundling props of every Tally function', () => {
  it('come from the shared esbuild options: ESM, minified, node24, module first, SDK external', () => {
    const { commandHooks, ...props } = tallyBundling('functions/handlers/deposit.ts');
    expect(props).toEqual({
      format: nodejs.OutputFormat.ESM,
      minify: true,
      sourceMap: true,
      sourceMapMode: nodejs.SourceMapMode.EXTERNAL,
      target: 'node24',
      mainFields: ['module', 'main'],
      banner: ESM_REQUIRE_BANNER,
      bundleAwsSDK: false,
      // The runtime's SDK, and the MSK producer's packages (lazy; shipped beside the publisher only).
      externalModules: ['@aws-sdk/*', 'kafkajs', 'aws-msk-iam-sasl-signer-js', 'stripe'],
      esbuildArgs: { '--tree-shaking': 'true' },
    });
    // One definition: the props are read from the object the bench passes to esbuild.
    expect(props.externalModules).toEqual([...TALLY_ESBUILD_OPTIONS.external]);
    expect(props.target).toBe(TALLY_ESBUILD_OPTIONS.target);
    expect(props.mainFields).toEqual([...TALLY_ESBUILD_OPTIONS.mainFields]);
    // The one-file build is replaced by the split build (lazy chunks), from the same options.
    expect(TALLY_ESBUILD_OPTIONS.splitting).toBe(true);
    const [command, ...more] = commandHooks?.afterBundling('/in', '/out') ?? [];
    expect(more).toEqual([]);
    expect(command).toBe(splitBuildCommand('/in', '/out', 'functions/handlers/deposit.ts'));
    const encoded = command?.split(' ').at(-1) ?? '';
    // The plugins go as what they are made of (split-build.mjs re-creates them, in this order).
    const { plugins, ...data } = TALLY_ESBUILD_OPTIONS;
    expect(plugins.map((plugin) => plugin.name)).toEqual([
      'require-runtime-modules',
      'middy-lazy-web-streams',
      'merge-eager-chunks',
    ]);
    expect(JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'))).toEqual({
      ...data,
      requireRuntimeModules: RUNTIME_PROVIDED_MODULES,
      middyLazyWebStreams: true,
      mergeEagerChunks: true,
      absWorkingDir: '/in',
      entryPoints: ['/in/functions/handlers/deposit.ts'],
      outdir: '/out',
    });
    expect(RUNTIME_PROVIDED_MODULES).toEqual(['@aws-sdk/*']);
  });
});

describe('a function bundled by CDK', () => {
  // Real bundling (local esbuild, no Docker) of one handler that uses the table, logs and metrics.
  // CloudFormation's rules are checked once per stack variant in nag.test.ts, not here.
  const app = new App({ outdir, builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'Bundling');
  new TallyFunction(stack, 'Deposit', {
    entry: path.join(ROOT, 'functions/handlers/deposit.ts'),
    projectRoot: ROOT,
    description: 'bundling test',
    memoryMb: 256,
    timeoutSeconds: 5,
    environment: {},
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const template = Template.fromStack(stack);
  const assetDir = readdirSync(outdir)
    .filter((name) => name.startsWith('asset.'))
    .map((name) => path.join(outdir, name))
    .find((dir) => readdirSync(dir).includes('index.mjs'));
  if (assetDir === undefined) throw new Error('CDK produced no index.mjs asset');
  const code = readFileSync(path.join(assetDir, 'index.mjs'), 'utf8');
  const sources = (
    JSON.parse(readFileSync(path.join(assetDir, 'index.mjs.map'), 'utf8')) as { sources: string[] }
  ).sources;

  it('is an ESM module (index.mjs exporting handler) on Node.js 24', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Runtime: 'nodejs24.x',
    });
    expect(code).toMatch(/export\s*\{[^}]*\bas handler\b[^}]*\}|export\s*\{\s*handler\s*\}/);
    // The banner's `require` where a file names it (esbuild's `__require` shim), else no banner.
    const scripts = readdirSync(assetDir).filter((file) => file.endsWith('.mjs'));
    const withBanner = scripts.filter((name) => {
      const script = readFileSync(path.join(assetDir, name), 'utf8');
      const has = script.startsWith(ESM_REQUIRE_BANNER);
      expect(has, name).toBe(/\brequire\b/.test(script.replace(ESM_REQUIRE_BANNER, '')));
      return has;
    });
    // The function requires the runtime's SDK, so some file (the shim's) keeps the banner, and
    // not all do (the step took it off the others).
    expect(withBanner.length).toBeGreaterThan(0);
    expect(withBanner.length).toBeLessThan(scripts.length);
  });

  it('requires the AWS SDK from the runtime instead of carrying a copy or importing it', () => {
    // `require`, through the banner's createRequire (bundling.ts): not an ESM `import`.
    const scripts = readdirSync(assetDir)
      .filter((name) => name.endsWith('.mjs'))
      .map((name) => readFileSync(path.join(assetDir, name), 'utf8'))
      .join('\n');
    expect(scripts).toMatch(/[\w$]\("@aws-sdk\/lib-dynamodb"\)/);
    expect(scripts).not.toMatch(/(?:\bfrom|\bimport)\s*\(?\s*"@aws-sdk\//);
    expect(sources.filter((source) => source.includes('node_modules/@aws-sdk/'))).toEqual([]);
    // Except the X-Ray SDK's (Powertools Tracer's) one Smithy import: two small files of error codes.
    expect(
      sources.filter(
        (source) =>
          source.includes('node_modules/@smithy/') &&
          !/node_modules\/@smithy\/service-error-classification\/dist-es\/(index|constants)\.js$/.test(
            source,
          ),
      ),
    ).toEqual([]);
  });

  it('is minified', () => {
    // Minified output is a few very long lines (newlines survive only inside string literals),
    // not one statement per line; and comments are gone (this one is in the composition root).
    expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
    expect(code).not.toContain('The composition root of a Lambda function instance');
  });

  it('holds no test, bench, CDK or rules-engine code (deposit never evaluates rules)', () => {
    const offenders = sources.filter((source) =>
      /(^|\/)(test|bench)\/|node_modules\/(aws-cdk-lib|constructs|vitest|yaml|@marcbachmann)\//.test(source),
    );
    expect(offenders).toEqual([]);
    // and it is this handler's bundle, made from the project's sources
    expect(sources.some((source) => source.endsWith('functions/handlers/deposit.ts'))).toBe(true);
  });
});

describe('npm run bench:cold', () => {
  it('measures the very bundle CDK deploys (same options, same files, byte for byte)', async () => {
    const bench = await buildBundle('deposit', 'functions/handlers/deposit.ts', {
      outRoot: path.join(outdir, 'bench'),
    });
    // Chunk names hash the source map too, whose relative source paths depend on where the
    // output lies; the code itself must be identical.
    const unhashed = (text: string) => text.replace(/chunk-[A-Z0-9]{8}\.mjs/g, 'chunk-#.mjs');
    const scripts = (dir: string) =>
      readdirSync(dir)
        .filter((name) => name.endsWith('.mjs'))
        .map((name) => [unhashed(name), unhashed(readFileSync(path.join(dir, name), 'utf8'))])
        .sort(([a, x], [b, y]) => `${a}${x}`.localeCompare(`${b}${y}`));
    const assetDir = readdirSync(outdir)
      .filter((name) => name.startsWith('asset.'))
      .map((name) => path.join(outdir, name))
      .find((dir) => readdirSync(dir).includes('index.mjs'));
    if (assetDir === undefined) throw new Error('CDK produced no index.mjs asset');
    const deployed = scripts(assetDir);
    // index.mjs and at least the lazy tracer chunk
    expect(deployed.length).toBeGreaterThan(1);
    expect(scripts(path.dirname(bench.file))).toEqual(deployed);
    expect(bench.lazyBytes).toBeGreaterThan(0);
  });
});
