/**
 * How every Tally function is bundled: one definition, read by the CDK construct
 * (lib/constructs/tally-function.ts) and by `npm run bench:cold`, so the bench measures the very
 * bundles the stack deploys. Plain data and one esbuild plugin (no aws-cdk-lib import): the bench
 * loads it without CDK.
 */
import { mergeEagerChunksPlugin } from './merge-eager-chunks.mjs';
import { middyLazyWebStreams } from './middy-lazy-web-streams.mjs';
import { requireRuntimeModules } from './require-runtime-modules.mjs';

/** esbuild target matching the Lambda runtime (`TALLY_RUNTIME`, Node.js 24); the local Node 20 never runs it. */
export const ESBUILD_TARGET = 'node24';

/**
 * ESM bundles have no `require`; some dependencies still call it for Node built-ins.
 * This banner gives them one, bound to the bundle's own URL.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/**
 * Left out of every bundle and resolved at run time from the AWS SDK for JavaScript v3 that the
 * Lambda Node.js 24 runtime ships (every `@aws-sdk/*` client and lib, `lib-dynamodb` included; the
 * `@smithy/*` packages come in only through them, so they stay out too). Bundling the SDK made each function 0.8–1.15 MB and
 * most of its cold start; the runtime's copy is already on disk and parsed from there.
 * The price: the runtime's SDK version is chosen by AWS, not by our lockfile (see docs/benchmarks.md,
 * "Bundling"); the code uses only long-stable commands and options of these packages.
 */
export const RUNTIME_PROVIDED_MODULES: readonly string[] = ['@aws-sdk/*'];

/**
 * Packages imported only lazily (`await import(…)`) on an optional path — the MSK decisions
 * producer — and so kept out of every bundle. CDK installs them beside the function that can use
 * them (`nodeModules`, see tally-function.ts); no other function loads them.
 */
export const OPTIONAL_MODULES: readonly string[] = ['kafkajs', 'aws-msk-iam-sasl-signer-js'];

/**
 * The payment provider's SDK (`stripe`, 1.2 MB unminified), loaded lazily (`loadStripeSdk`) only
 * when the provider is Stripe: left out of every bundle, and shipped beside the payment functions
 * (`nodeModules`) only by a stack deployed with `-c paymentProvider=stripe`. Sandbox and local
 * bundles neither carry nor parse it.
 */
export const PAYMENT_PROVIDER_MODULES: readonly string[] = ['stripe'];

/** The esbuild options of a function bundle, in esbuild's own vocabulary (the bench passes them as is). */
export const TALLY_ESBUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: ESBUILD_TARGET,
  minify: true,
  // The maps are written beside each file but not linked from it (no `//# sourceMappingURL`), and
  // the dependencies' preserved comments go to a `.LEGAL.txt` beside it: bytes a cold start would
  // read and parse for nothing. The stack sets no `--enable-source-maps`; the lazy mapper
  // (functions/observability/source-maps.ts) opens `<file>.map` by name on the first printed stack.
  sourcemap: 'external',
  legalComments: 'external',
  treeShaking: true,
  // `module` first: the ESM builds of dependencies are the ones esbuild can tree-shake.
  mainFields: ['module', 'main'],
  banner: { js: ESM_REQUIRE_BANNER },
  external: [...RUNTIME_PROVIDED_MODULES, ...OPTIONAL_MODULES, ...PAYMENT_PROVIDER_MODULES],
  // The runtime's SDK is loaded with the banner's `require`, not `import`: Node 20+ imports a
  // CommonJS package from ESM through its ESM loader (export lexing of every module, ESM
  // resolution), ~100 ms more CPU per cold start. In Lambda, `require` finds the runtime's SDK
  // through NODE_PATH (docs/benchmarks.md, "Bundling"). Then the chunks the entry imports statically are
  // folded into `index.mjs` (./merge-eager-chunks.mjs): a cold start loads one file, not 6 to 18
  // (the entry and its shared chunks). @middy/core is loaded without its imports of `node:stream/web`
  // and `node:timers` (./middy-lazy-web-streams.mjs). split-build.mjs re-creates the plugins (in this
  // order: the merge reads the files the first one finished).
  plugins: [requireRuntimeModules(RUNTIME_PROVIDED_MODULES), middyLazyWebStreams(), mergeEagerChunksPlugin()],
  // Code splitting: what a function loads only with `await import(…)` (the X-Ray tracer, the YAML
  // reader of old rule sets, the Kafka protobuf codec) lands in a chunk of its own, read from disk
  // and parsed only when that path runs — not at every cold start. The entry stays `index.mjs`.
  splitting: true,
  entryNames: 'index',
  chunkNames: 'chunk-[hash]',
  outExtension: { '.js': '.mjs' },
} as const;
