// An esbuild plugin, shared by the stack's split build (./split-build.mjs) and by the bench
// (./bundling.ts puts it in TALLY_ESBUILD_OPTIONS). Plain JavaScript: split-build.mjs runs under
// `node`, no loader. Types: ./middy-lazy-web-streams.d.mts.
//
// @middy/core 6 starts with two imports of Node built-ins whose names are also Node's globals:
// - `ReadableStream` from `node:stream/web`, for one `instanceof` in its response-streaming branch
//   (`streamifyResponse: true`, which no Tally function sets: functions/observability/middleware.ts).
//   Loading `node:stream/web` loads Node's web streams (transform, encoding, compression,
//   adapters) at every cold start, for nothing.
// - `setTimeout` from `node:timers`, for its early-timeout race. Node's ESM view of `node:timers`
//   reads every export to make its namespace, so it also loads `timers/promises` (a lazy getter).
// This plugin drops both import lines, so both names are Node's globals: the same functions and
// classes (`globalThis.setTimeout === require('node:timers').setTimeout`, `globalThis.ReadableStream
// === require('node:stream/web').ReadableStream`); the global `ReadableStream` is loaded on first
// use, i.e. only if the streaming branch ever runs (test/unit/bundling/middy-web-streams.test.ts
// runs it). middy 7 drops the web streams import itself but needs Node >= 22; this goes when it is
// adopted. A middy whose source no longer has either line fails the build: never a silent no-op.

import { readFile } from 'node:fs/promises';

/** The import lines of @middy/core that the plugin drops: each name is also a Node global. */
export const MIDDY_GLOBAL_IMPORTS = [
  'import { ReadableStream } from "node:stream/web";\n',
  'import { setTimeout } from "node:timers";\n',
];

/** middy's source without those imports (the globals are used); throws unless each is there once. */
export function withGlobalBuiltins(source, file = '@middy/core') {
  let result = source;
  for (const line of MIDDY_GLOBAL_IMPORTS) {
    const at = result.indexOf(line);
    if (at < 0 || result.indexOf(line, at + 1) >= 0)
      throw new Error(`${file}: expected one \`${line.trim()}\` (middy-lazy-web-streams.mjs)`);
    // The line is kept, empty, so the source map still points at the right lines.
    result = `${result.slice(0, at)}\n${result.slice(at + line.length)}`;
  }
  return result;
}

/** @returns {import('esbuild').Plugin} */
export function middyLazyWebStreams() {
  return {
    name: 'middy-lazy-web-streams',
    setup(build) {
      build.onLoad({ filter: /[\\/]node_modules[\\/]@middy[\\/]core[\\/]index\.js$/ }, async (args) => ({
        contents: withGlobalBuiltins(await readFile(args.path, 'utf8'), args.path),
        loader: 'js',
      }));
    },
  };
}
