// Run by CDK after NodejsFunction's own one-file build (tally-function.ts, `afterBundling`): builds
// the function again with the shared options of ./bundling.ts, code splitting included, into the
// asset directory. NodejsFunction always passes `--outfile`, which esbuild's `--splitting` cannot
// take (it needs an output directory), so the split build is this second step; it overwrites
// `index.mjs` and adds the lazy chunks beside it. Plain JavaScript: it runs under `node`, no loader.
// Argument: the build options as base64 JSON (quoting-proof in any shell); the plugins, which JSON
// cannot carry, are re-created in ./bundling.ts's order: the first from the module list it is made
// of (`requireRuntimeModules`), then middy without its imports of Node globals (`middyLazyWebStreams:
// true`), then the merge of the eager chunks (`mergeEagerChunks: true`).
import { build } from 'esbuild';
import { mergeEagerChunksPlugin } from './merge-eager-chunks.mjs';
import { middyLazyWebStreams } from './middy-lazy-web-streams.mjs';
import { requireRuntimeModules } from './require-runtime-modules.mjs';

const {
  requireRuntimeModules: modules,
  middyLazyWebStreams: lazyWebStreams,
  mergeEagerChunks,
  ...options
} = JSON.parse(Buffer.from(process.argv[2] ?? '', 'base64').toString('utf8'));
const plugins = [
  requireRuntimeModules(modules),
  ...(lazyWebStreams === true ? [middyLazyWebStreams()] : []),
  ...(mergeEagerChunks === true ? [mergeEagerChunksPlugin()] : []),
];
await build({ ...options, plugins, logLevel: 'error' });
