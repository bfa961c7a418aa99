/**
 * @middy/core is bundled without its imports of `ReadableStream` from `node:stream/web` and
 * `setTimeout` from `node:timers` (lib/constructs/middy-lazy-web-streams.mjs): a cold start no
 * longer loads Node's web streams nor `timers/promises`; middy's early timeout still fires, and its
 * response-streaming branch, which no Tally function takes, still works if it is ever reached (the
 * names are Node's globals, the same function and class). Each bundle runs in a fresh `node`, whose
 * loaded built-ins it reports.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { TALLY_ESBUILD_OPTIONS } from '../../../lib/constructs/bundling.ts';
import {
  MIDDY_GLOBAL_IMPORTS,
  middyLazyWebStreams,
  withGlobalBuiltins,
} from '../../../lib/constructs/middy-lazy-web-streams.mjs';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const outRoot = mkdtempSync(path.join(tmpdir(), 'tally-middy-streams-'));
afterAll(() => rmSync(outRoot, { recursive: true, force: true }));

/**
 * A handler module wrapped by middy the way functions/observability/middleware.ts does (or with
 * `streamifyResponse: true`), and a runner that imports it in a fresh process, calls it once, and
 * prints what it answered and whether `node:stream/web` had been loaded by the import.
 */
const handlerSource = (streamify: boolean) => `
import middy from '@middy/core';
export const handler = middy(async (event, _context, { signal }) => {
  if (event.kind === 'slow')
    return new Promise((resolve) => signal.addEventListener('abort', () => resolve('aborted')));
  return {
    statusCode: 200,
    headers: { 'content-type': 'text/plain' },
    body: event.kind === 'web' ? ReadableStream.from(['stre', 'amed']) : 'a string body',
  };
}, { streamifyResponse: ${streamify} });
`;

const runner = `
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
const meta = [];
globalThis.awslambda = {
  streamifyResponse: (fn) => fn,
  HttpResponseStream: { from: (stream, prelude) => (meta.push(prelude), stream) },
};
const { handler } = await import(pathToFileURL(process.argv[2]).href);
const webStreamsAtImport = process.moduleLoadList.includes('NativeModule stream/web');
const timersPromisesAtImport = process.moduleLoadList.includes('NativeModule timers/promises');
const chunks = [];
const sink = new Writable({ write(chunk, _encoding, done) { chunks.push(String(chunk)); done(); } });
const streaming = process.argv[3] === 'true';
// A context with 30 ms left: middy races the handler against its early timeout (setTimeout).
const context = { getRemainingTimeInMillis: () => 30 };
let answer;
try {
  answer = streaming
    ? await handler({ kind: process.argv[4] }, sink, context)
    : await handler({ kind: process.argv[4] }, context);
} catch (error) {
  answer = { threw: error.name };
}
console.log(JSON.stringify({
  webStreamsAtImport, timersPromisesAtImport, answer: answer ?? null, streamed: chunks.join(''), meta,
}));
`;

async function bundle(name: string, streamify: boolean, plugins: boolean): Promise<string> {
  const outfile = path.join(outRoot, `${name}.mjs`);
  await build({
    stdin: { contents: handlerSource(streamify), resolveDir: root, sourcefile: `${name}.ts`, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: TALLY_ESBUILD_OPTIONS.target,
    minify: true,
    outfile,
    plugins: plugins ? [middyLazyWebStreams()] : [],
    logLevel: 'silent',
  });
  return outfile;
}

function run(file: string, streaming: boolean, kind: 'web' | 'string' | 'slow') {
  const script = path.join(outRoot, 'run.mjs');
  writeFileSync(script, runner);
  return JSON.parse(
    execFileSync(process.execPath, [script, file, String(streaming), kind], { encoding: 'utf8' }),
  ) as {
    webStreamsAtImport: boolean;
    timersPromisesAtImport: boolean;
    answer: unknown;
    streamed: string;
    meta: unknown[];
  };
}

describe('@middy/core without its node:stream/web and node:timers imports', () => {
  it('is what the stack builds with (the plugin is in the shared options)', () => {
    expect(TALLY_ESBUILD_OPTIONS.plugins.map((plugin) => plugin.name)).toContain('middy-lazy-web-streams');
  });

  it('does not load Node’s web streams nor timers/promises when a handler is imported (it did without the plugin)', async () => {
    const lean = run(await bundle('lean', false, true), false, 'string');
    expect(lean).toMatchObject({ webStreamsAtImport: false, timersPromisesAtImport: false });
    expect(lean.answer).toMatchObject({ statusCode: 200, body: 'a string body' });
    const plain = run(await bundle('plain', false, false), false, 'string');
    expect(plain).toMatchObject({ webStreamsAtImport: true, timersPromisesAtImport: true });
  }, 60_000);

  it('still times a slow handler out early (middy’s setTimeout is the global one)', async () => {
    // Aborted 5 ms before the 30 ms left: middy's TimeoutError, and the handler saw the abort.
    expect(run(await bundle('lean', false, true), false, 'slow').answer).toEqual({ threw: 'TimeoutError' });
  }, 60_000);

  it('still streams if the streaming branch is ever reached: a web ReadableStream body, and a string body', async () => {
    const file = await bundle('streaming', true, true);
    const web = run(file, true, 'web');
    expect(web.webStreamsAtImport).toBe(false);
    expect(web.streamed).toBe('streamed');
    expect(web.meta).toEqual([{ statusCode: 200, headers: { 'content-type': 'text/plain' } }]);
    expect(run(file, true, 'string').streamed).toBe('a string body');
  }, 60_000);

  it('fails the build, rather than doing nothing, if middy’s source no longer has an import', () => {
    const source = readFileSync(path.join(root, 'node_modules', '@middy', 'core', 'index.js'), 'utf8');
    const rewritten = withGlobalBuiltins(source);
    expect(rewritten).not.toContain('node:stream/web');
    expect(rewritten).not.toContain('node:timers');
    expect(rewritten.split('\n').length).toBe(source.split('\n').length);
    for (const line of MIDDY_GLOBAL_IMPORTS)
      expect(() => withGlobalBuiltins(source.replace(line, ''))).toThrow(line.trim());
  });
});
