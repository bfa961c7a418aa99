// Run by CDK after NodejsFunction's own one-file build (tally-function.ts, `afterBundling`): builds
// the function again with the shared options of ./bundling.ts, code splitting included, into the
// asset directory. NodejsFunction always passes `--outfile`, which esbuild's `--splitting` cannot
// take (it needs an output directory), so the split build is this second step; it overwrites
// `index.mjs` and adds the lazy chunks beside it. Plain JavaScript: it runs under `node`, no loader.
// Argument: the build options as base64 JSON (quoting-proof in any shell); the one plugin, which
// JSON cannot carry, comes as the module list it is made of (`requireRuntimeModules`).
import { build } from 'esbuild';
import { requireRuntimeModules } from './require-runtime-modules.mjs';

const { requireRuntimeModules: modules, ...options } = JSON.parse(
  Buffer.from(process.argv[2] ?? '', 'base64').toString('utf8'),
);
await build({ ...options, plugins: [requireRuntimeModules(modules)], logLevel: 'error' });
