// An esbuild plugin, shared by the stack's split build (./split-build.mjs) and by the bench
// (./bundling.ts puts it in TALLY_ESBUILD_OPTIONS). Plain JavaScript: split-build.mjs runs under
// `node`, no loader. Types: ./require-runtime-modules.d.mts.
//
// The runtime-provided packages (the AWS SDK v3) are CommonJS. An ESM bundle that `import`s them
// has Node load them through its ESM loader: every module of the package is lexed for its exports
// (cjs-module-lexer) and resolved the ESM way, ~100 ms CPU per cold start. This plugin turns each
// static `import … from "<spec>"` of such a package (in the entry or in any chunk) into a CommonJS
// `require` of the same specifier: the import resolves to a virtual ES module that `require`s the
// package once and exports each of its names as a constant read from it
// (`export const GetItemCommand = /* @__PURE__ */ pick("GetItemCommand")`). The `require` stays
// external, so esbuild emits `__require("<spec>")`, which calls the banner's
// `createRequire(import.meta.url)` (bundling.ts, ESM_REQUIRE_BANNER); tree shaking drops every
// name no module imports, so a bundle keeps one line per name it uses.
//
// Why not `module.exports = require("<spec>")` (what this plugin emitted until stop 20): esbuild
// then reaches the package through its CommonJS interop, and every module that imports it gets its
// own `__toESM(require_x())`, which copies all of the package's exports onto a new object with a
// getter each. `@aws-sdk/client-dynamodb` exports 526 names and 12 modules of a function imported
// it: 6,000+ `defineProperty` calls at every cold start, the largest single item of our import
// CPU over the baseline's in a V8 profile (`bench/cold/profile.ts health --cpu-prof`). The names
// are those of the package installed at build time (the runtime's version, pinned); a name it
// does not export fails the build ("No matching export"), as a missing export should.
// A direct `await import("<spec>")` is left an ESM import: with code splitting, esbuild gives a
// CommonJS module reached by `import()` a chunk that only `export default`s, and the caller's
// named exports (`const { X } = await import(…)`) would be undefined. Those are lazy paths (the
// Stripe keys' Secrets Manager client, the MSK management client), not a cold start's.

//
// It also takes the banner back off every output file that never uses `require` (most chunks: only
// those holding the runtime's packages or esbuild's `__require` shim call it): the banner is 88
// bytes a cold start reads and runs in each file it loads. The banner's own line is kept, empty,
// so the external source maps still point at the right lines; the metafile's `bytes` follow.

import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const NAMESPACE = 'require-runtime-module';

/** `banner` + the file's code: the code, when it never names `require`; else undefined (kept). */
export function withoutUnusedBanner(code, banner) {
  if (!banner || !code.startsWith(banner)) return undefined;
  const rest = code.slice(banner.length);
  return /\brequire\b/.test(rest) ? undefined : rest;
}

/** Export names by the package file they resolve to: a package is loaded once per build process. */
const exportNames = new Map();

/** What a package exports, as identifiers (`default` and non-identifier keys left out). */
function namesOf(spec, resolveDir) {
  const require = createRequire(join(resolveDir, 'noop.js'));
  const file = require.resolve(spec);
  let names = exportNames.get(file);
  if (names === undefined) {
    names = Object.keys(require(spec)).filter(
      (name) => /^[A-Za-z_$][\w$]*$/.test(name) && name !== 'default',
    );
    exportNames.set(file, names);
  }
  return names;
}

/**
 * The virtual module that stands for package `spec`: one `require`, then each export name as a
 * constant read from it, marked pure so that tree shaking keeps only the names that are imported.
 */
export function runtimeModuleSource(spec, resolveDir) {
  const lines = [
    `const runtimeModule = require(${JSON.stringify(spec)});`,
    'const pick = (name) => runtimeModule[name];',
  ];
  for (const name of namesOf(spec, resolveDir))
    lines.push(`export const ${name} = /* @__PURE__ */ pick(${JSON.stringify(name)});`);
  return lines.join('\n');
}

/** `@aws-sdk/*` → /^@aws-sdk\/.*$/ (esbuild's external wildcard, as a Go-compatible regexp). */
function filterOf(patterns) {
  const alternatives = patterns.map((pattern) =>
    pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
      .join('.*'),
  );
  return new RegExp(`^(?:${alternatives.join('|')})$`);
}

/**
 * @param {readonly string[]} patterns package names, or prefixes ending in `*` (as esbuild's `external`)
 * @returns {import('esbuild').Plugin}
 */
export function requireRuntimeModules(patterns) {
  const filter = filterOf(patterns);
  return {
    name: 'require-runtime-modules',
    setup(build) {
      build.onResolve({ filter }, (args) => {
        // The virtual module's own `require`, `require`s already in the code, and `import()`s (see
        // above): left to `external`.
        if (args.kind !== 'import-statement') return undefined;
        return { path: args.path, namespace: NAMESPACE, pluginData: { resolveDir: args.resolveDir } };
      });
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({
        contents: runtimeModuleSource(args.path, args.pluginData?.resolveDir ?? process.cwd()),
        loader: 'js',
      }));
      build.onEnd(async (result) => {
        const { outdir, banner, write, absWorkingDir = process.cwd() } = build.initialOptions;
        if (result.errors.length > 0 || outdir === undefined || write === false || !banner?.js) return;
        const outputs = new Map(
          Object.entries(result.metafile?.outputs ?? {}).map(([key, output]) => [
            resolve(absWorkingDir, key),
            output,
          ]),
        );
        for (const name of await readdir(outdir)) {
          if (!/\.m?js$/.test(name)) continue;
          const file = resolve(absWorkingDir, join(outdir, name));
          const code = await readFile(file, 'utf8');
          const stripped = withoutUnusedBanner(code, banner.js);
          if (stripped === undefined) continue;
          await writeFile(file, stripped);
          const output = outputs.get(file);
          if (output) output.bytes -= Buffer.byteLength(code) - Buffer.byteLength(stripped);
        }
      });
    },
  };
}
