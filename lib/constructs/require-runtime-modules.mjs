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

const NAMESPACE = 'require-runtime-module';

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
    },
  };
}
