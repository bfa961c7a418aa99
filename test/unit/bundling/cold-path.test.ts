/**
 * What a cold start does NOT do, pinned so it cannot creep back (docs/benchmarks.md, "Cold starts"): read source
 * maps (they are read on the first formatted stack instead, functions/observability/source-maps.ts),
 * or load an AWS SDK client package that its first call may not use (composition/queued.ts: SQS with
 * the first send; publisher-from-env.ts: the Kafka management client with the first decision).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildBundle, PROJECT_ROOT } from '../../../bench/cold/build.ts';
import { FUNCTIONS } from '../../../lib/wiring.ts';
import { functionBundle } from '../../support/function-bundles.ts';

const execFileAsync = promisify(execFile);
// Under node_modules, as the bench's bundles: the fixture's bundle requires a runtime SDK package.
// A fresh clone has no node_modules/.cache until something builds there.
const cacheRoot = path.join(PROJECT_ROOT, 'node_modules', '.cache');
mkdirSync(cacheRoot, { recursive: true });
const outRoot = mkdtempSync(path.join(cacheRoot, 'tally-cold-path-'));
afterAll(() => rmSync(outRoot, { recursive: true, force: true }));

const FIXTURE = 'test/unit/bundling/fixtures/throws.ts';
const throwLine =
  readFileSync(path.join(PROJECT_ROOT, FIXTURE), 'utf8')
    .split('\n')
    .findIndex((line) => line.includes('THROW_LINE')) + 1;

/** Imports the bundle in a fresh node (as Lambda does), throws inside it, and reports the stack. */
async function throwInBundle(nodeOptions: string | undefined) {
  const { file } = await buildBundle('throws', FIXTURE, { outRoot });
  const script = `
    const bundle = await import(${JSON.stringify(pathToFileURL(file).href)});
    let stack;
    try { bundle.failInFixture('cold'); } catch (error) { stack = error.stack; }
    process.stdout.write(JSON.stringify({
      installed: bundle.installed, atLoad: bundle.mapsReadAtLoad, afterStack: bundle.readsSoFar(), stack,
    }));`;
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
  if (nodeOptions !== undefined) env.NODE_OPTIONS = nodeOptions;
  const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '-e', script], { env });
  return JSON.parse(stdout) as { installed: boolean; atLoad: number; afterStack: number; stack: string };
}

describe('source maps at a cold start', () => {
  it('are not read when the bundle loads, and map the first stack that is formatted', async () => {
    const run = await throwInBundle(undefined);
    expect(run.installed).toBe(true);
    expect(run.atLoad).toBe(0);
    expect(run.stack.split('\n')[0]).toBe('Error: fixture failure: cold');
    // The throwing frame points at the TypeScript source line (named as V8 names it, as Node does).
    expect(run.stack).toMatch(
      new RegExp(`\\n    at \\S+ \\(/[^)]*/${FIXTURE.replaceAll('.', '\\.')}:${throwLine}:\\d+\\)`),
    );
    expect(run.afterStack).toBe(1);
    // …though its map, like every function's, names a virtual module that is no file (the SDK
    // package it `require`s): on main until stop 23 that made every function's map unreadable.
    const { file } = await buildBundle('throws', FIXTURE, { outRoot });
    const { sources } = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as { sources: string[] };
    expect(sources).toContain('require-runtime-module:@aws-sdk/util-dynamodb');
  }, 120_000);

  it('map stacks under --enable-source-maps too: the bundles link no map for Node to find', async () => {
    const run = await throwInBundle('--enable-source-maps');
    expect(run.installed).toBe(true);
    expect(run.stack).toContain(`${FIXTURE}:${throwLine}:`);
  }, 120_000);

  it.each(FUNCTIONS.filter((spec) => spec.name !== 'openapi').map((spec) => spec.name))(
    'the %s bundle installs the lazy mapping (observed(), every Lambda entry but openapi)',
    async (name) => {
      const { eagerInputs, file } = await functionBundle(name);
      expect(Object.keys(eagerInputs)).toContain('functions/observability/source-maps.ts');
      // Nothing a cold start parses for nothing: no map link, no preserved comments (both beside it).
      const text = readFileSync(file, 'utf8');
      expect(text).not.toContain('sourceMappingURL');
      expect(text).not.toContain('Bundled license information');
      expect(existsSync(`${file}.map`)).toBe(true);
    },
    120_000,
  );
});

/**
 * The AWS SDK packages each function's cold start loads (index.mjs and its static chunks): the
 * DynamoDB ones, plus a second client only where every first call uses it. Each SDK client
 * package costs 20–40 ms to load.
 */
const DYNAMODB = ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb', '@aws-sdk/util-dynamodb'];
const EAGER_SDK: Record<string, string[]> = {
  // Every call sends to SQS, and they touch no table.
  events: ['@aws-sdk/client-sqs'],
  'dead-letters': ['@aws-sdk/client-sqs'],
  // Every batch it publishes goes to EventBridge; the Kafka client is not here (MSK is optional).
  'publish-events': [...DYNAMODB, '@aws-sdk/client-eventbridge'],
  openapi: [],
};

describe.each(FUNCTIONS.map((spec) => spec.name))('the %s bundle', (name) => {
  it('loads at a cold start only the AWS SDK packages its every call uses', async () => {
    const { eagerExternals } = await functionBundle(name);
    const expected = EAGER_SDK[name] ?? DYNAMODB;
    const sdk = eagerExternals.filter((specifier) => specifier.startsWith('@aws-sdk/'));
    // decision-rules and rules read with the document client only: util-dynamodb may be absent.
    expect(sdk.filter((specifier) => !expected.includes(specifier))).toEqual([]);
  }, 120_000);
});
