/**
 * A runtime-provided package (the AWS SDK) is `require`d once per bundle and its names read from it
 * directly, not copied by esbuild's CommonJS interop into a new object per importing module
 * (require-runtime-modules.mjs: 12 modules × 526 names of client-dynamodb at each cold start).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { ESM_REQUIRE_BANNER, RUNTIME_PROVIDED_MODULES } from '../../../lib/constructs/bundling.ts';
import {
  requireRuntimeModules,
  runtimeModuleSource,
} from '../../../lib/constructs/require-runtime-modules.mjs';
import { FUNCTIONS } from '../../../lib/wiring.ts';
import { functionBundle } from '../../support/function-bundles.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
/** esbuild's CommonJS wrapper around an SDK package: `<module>.exports = __require("@aws-sdk/…")`, minified. */
const SDK_COMMONJS_WRAPPER = /\.exports\s*=\s*[\w$]+\(\s*"@aws-sdk\//;
/**
 * A call of a one-argument function on an SDK specifier: esbuild's `__require("@aws-sdk/…")`,
 * minified; an `import("@aws-sdk/…")` (the lazy paths' clients: sdk-require.test.ts) is not one.
 */
const SDK_REQUIRE = /(?<![\w$])(?!import\()[\w$]+\(\s*"(@aws-sdk\/[^"]+)"\s*\)/g;

// Under the project, so that the fixtures resolve the SDK from its node_modules as the functions do.
const CACHE = path.join(ROOT, 'node_modules', '.cache');
mkdirSync(CACHE, { recursive: true });
const work = mkdtempSync(path.join(CACHE, 'tally-runtime-names-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Bundles `files` (entry `entry.ts`) with the plugin, as the functions are; the output's code. */
async function bundle(name: string, files: Record<string, string>): Promise<string> {
  const dir = path.join(work, name);
  const outdir = path.join(dir, 'out');
  mkdirSync(outdir, { recursive: true });
  for (const [file, code] of Object.entries(files)) writeFileSync(path.join(dir, file), code);
  await build({
    entryPoints: [path.join(dir, 'entry.ts')],
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    minify: true,
    external: [...RUNTIME_PROVIDED_MODULES],
    banner: { js: ESM_REQUIRE_BANNER },
    plugins: [requireRuntimeModules(RUNTIME_PROVIDED_MODULES)],
    logLevel: 'silent',
  });
  return readFileSync(path.join(outdir, 'entry.mjs'), 'utf8');
}

describe('a runtime-provided package in a bundle', () => {
  it('is required once and its names read from it by every module that imports them', async () => {
    const code = await bundle('two-importers', {
      'a.ts':
        "import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';\nexport const a = [DynamoDBClient, GetItemCommand];\n",
      'b.ts':
        "import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';\nexport const b = [GetItemCommand, QueryCommand];\n",
      'entry.ts':
        "import { a } from './a.ts';\nimport { b } from './b.ts';\nconsole.log(JSON.stringify([...a, ...b].map((f) => f.name)), a[1] === b[0]);\n",
    });
    expect([...code.matchAll(SDK_REQUIRE)].map((m) => m[1])).toEqual(['@aws-sdk/client-dynamodb']);
    expect(code).not.toMatch(SDK_COMMONJS_WRAPPER);
    // esbuild's interop helper (`__toESM`) tests `__esModule`: nothing of it is left.
    expect(code).not.toContain('__esModule');
    // Only the names imported are kept, not the package's 500.
    expect(code).not.toContain('"BatchGetItemCommand"');
    const out = path.join(work, 'two-importers', 'out', 'entry.mjs');
    const printed = execFileSync(process.execPath, [out], { cwd: ROOT, encoding: 'utf8' }).trim();
    expect(printed).toBe('["DynamoDBClient","GetItemCommand","GetItemCommand","QueryCommand"] true');
  });

  it('fails the build for a name the package does not export', async () => {
    await expect(
      bundle('missing-name', {
        'entry.ts':
          "import { NoSuchCommand } from '@aws-sdk/client-dynamodb';\nconsole.log(NoSuchCommand);\n",
      }),
    ).rejects.toThrow(/No matching export/);
  });

  it('stands for the package by one require and a pure read per export name', () => {
    const source = runtimeModuleSource('@aws-sdk/lib-dynamodb', ROOT);
    expect(source.match(/require\(/g)).toHaveLength(1);
    expect(source).toContain(
      'export const DynamoDBDocumentClient = /* @__PURE__ */ pick("DynamoDBDocumentClient");',
    );
    expect(source).not.toMatch(/export const default\b/);
  });
});

describe.each(FUNCTIONS.map((spec) => spec.name))('the %s bundle', (name) => {
  it('requires each SDK package once, with no CommonJS wrapper around it', async () => {
    const built = await functionBundle(name);
    const dir = path.dirname(built.file);
    const required = readdirSync(dir)
      .filter((file) => file.endsWith('.mjs'))
      .flatMap((file) => {
        const code = readFileSync(path.join(dir, file), 'utf8');
        expect(code, file).not.toMatch(SDK_COMMONJS_WRAPPER);
        return [...code.matchAll(SDK_REQUIRE)].map((m) => m[1]);
      });
    expect(required.length).toBe(new Set(required).size);
  }, 120_000);
});
