// An esbuild plugin, shared by the stack's split build (./split-build.mjs) and by the bench
// (./bundling.ts puts it in TALLY_ESBUILD_OPTIONS). Plain JavaScript: split-build.mjs runs under
// `node`, no loader. Types: ./require-runtime-modules.d.mts.
//
// The runtime-provided packages (the AWS SDK v3) are CommonJS. An ESM bundle that `import`s them
// has Node load them through its ESM loader: every module of the package is lexed for its exports
// (cjs-module-lexer) and resolved the ESM way, ~100 ms CPU per cold start. This plugin turns each
// static `import … from "<spec>"` of such a package (in the entry or in any chunk) into a CommonJS
// `require` of the same specifier: the import resolves to a one-line virtual module `module.exports = require("<spec>")`,
// whose `require` stays external, so esbuild emits `__require("<spec>")`, which calls the banner's
// `createRequire(import.meta.url)` (bundling.ts, ESM_REQUIRE_BANNER). Named imports go through
// esbuild's CommonJS interop (`__toESM`), as for any bundled CommonJS package.
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
import { join, resolve } from 'node:path';

const NAMESPACE = 'require-runtime-module';

/** `banner` + the file's code: the code, when it never names `require`; else undefined (kept). */
export function withoutUnusedBanner(code, banner) {
  if (!banner || !code.startsWith(banner)) return undefined;
  const rest = code.slice(banner.length);
  return /\brequire\b/.test(rest) ? undefined : rest;
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
        return { path: args.path, namespace: NAMESPACE };
      });
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(args.path)});`,
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
