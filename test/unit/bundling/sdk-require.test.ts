/**
 * The runtime's AWS SDK is loaded with `require`, not `import` (lib/constructs/bundling.ts,
 * require-runtime-modules.mjs): Node imports a CommonJS package from ESM through its ESM loader,
 * about 100 ms more CPU per cold start. Every emitted file, lazy chunks included, is checked.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ESM_REQUIRE_BANNER } from '../../../lib/constructs/bundling.ts';
import { FUNCTIONS } from '../../../lib/wiring.ts';
import { functionBundle } from '../../support/function-bundles.ts';

/** A static `import … from "@aws-sdk/…"`, `import "@aws-sdk/…"` or `export … from "@aws-sdk/…"`, minified or not. */
const SDK_IMPORT = /(?:\bfrom|\bimport)\s*["']@aws-sdk\//;
/**
 * `await import("@aws-sdk/…")`: left an import on the lazy paths that use it (a CommonJS module
 * reached by `import()` would lose its named exports in a split build; require-runtime-modules.mjs).
 */
const SDK_DYNAMIC_IMPORT = /\bimport\(\s*"(@aws-sdk\/[^"]+)"\s*\)/g;
const LAZY_SDK = ['@aws-sdk/client-kafka', '@aws-sdk/client-secrets-manager'];
/** A call of a one-argument function on an SDK specifier: esbuild's `__require("@aws-sdk/…")`, minified. */
const SDK_REQUIRE = /[\w$]\(\s*"(@aws-sdk\/[^"]+)"\s*\)/g;

describe.each(FUNCTIONS.map((spec) => spec.name))('the %s bundle', (name) => {
  it('requires the AWS SDK packages it uses (the banner’s require), and imports none', async () => {
    const built = await functionBundle(name);
    const dir = path.dirname(built.file);
    const scripts = readdirSync(dir)
      .filter((file) => file.endsWith('.mjs'))
      .map((file) => [file, readFileSync(path.join(dir, file), 'utf8')] as const);
    expect(scripts.filter(([, code]) => SDK_IMPORT.test(code)).map(([file]) => file)).toEqual([]);
    // Every external SDK package the build left out is reached by a `require` in some file, but for
    // the lazy ones that their callers load with `import()`.
    const required = new Set(scripts.flatMap(([, code]) => [...code.matchAll(SDK_REQUIRE)].map((m) => m[1])));
    const imported = new Set(
      scripts.flatMap(([, code]) => [...code.matchAll(SDK_DYNAMIC_IMPORT)].map((m) => m[1])),
    );
    expect([...imported].filter((specifier) => !LAZY_SDK.includes(specifier ?? ''))).toEqual([]);
    expect(built.eagerExternals.filter((specifier) => imported.has(specifier))).toEqual([]);
    const sdk = built.externals.filter(
      (specifier) =>
        specifier.startsWith('@aws-sdk/') && !(imported.has(specifier) && !required.has(specifier)),
    );
    if (name !== 'openapi') expect(sdk.length).toBeGreaterThan(0);
    expect([...required].sort()).toEqual(sdk);
    // …through the banner's createRequire: in every file that names `require` (esbuild's
    // `__require` shim, which the SDK's calls go through), and in no other (an unused banner is
    // taken back off: require-runtime-modules.mjs).
    const namesRequire = (code: string) =>
      /\brequire\b/.test(code.startsWith(ESM_REQUIRE_BANNER) ? code.slice(ESM_REQUIRE_BANNER.length) : code);
    for (const [file, code] of scripts) {
      expect(code.startsWith(ESM_REQUIRE_BANNER), file).toBe(namesRequire(code));
    }
    if (sdk.length > 0) expect(scripts.some(([, code]) => namesRequire(code))).toBe(true);
  }, 120_000);
});
