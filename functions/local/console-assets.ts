import { createReadStream } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as path from 'node:path';

/**
 * The operator console (console/, a Preact app built by Vite) as `tally dev` serves it at /console:
 * built on start when console/dist is missing or older than its sources, so `npm ci && npm start`
 * needs no extra command, then served as static files with an SPA fallback (a path without a file
 * extension gets index.html, so a reload on /console/wallets/w1 works).
 */

/** What the HTTP server hands requests under /console to, before any API route is matched. */
export interface StaticSite {
  matches(rawPath: string): boolean;
  serve(request: IncomingMessage, response: ServerResponse, rawPath: string): Promise<number>;
}

export const CONSOLE_PATH = '/console';

/** What the page reads at start: where the API is and how to sign in (in AWS the deploy writes it). */
export interface ConsoleConfig {
  apiUrl: string;
  auth:
    | { kind: 'off' }
    | { kind: 'dev-token' }
    | { kind: 'oidc'; issuer: string; clientId: string; scopes: string[] };
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The sources whose change makes console/dist stale, relative to console/: its own files, the
 * typed client it bundles (functions/client), and the lock that pins preact and vite.
 */
const SOURCE_ENTRIES = ['src', 'index.html', 'vite.config.ts', '../functions/client', '../package-lock.json'];

async function newestMtimeMs(target: string): Promise<number> {
  const info = await stat(target).catch(() => undefined);
  if (info === undefined) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of await readdir(target))
    newest = Math.max(newest, await newestMtimeMs(path.join(target, entry)));
  return newest;
}

/** True when console/dist/index.html is missing or older than any source file. */
export async function consoleIsStale(consoleDir: string): Promise<boolean> {
  const built = await stat(path.join(consoleDir, 'dist', 'index.html')).catch(() => undefined);
  if (built === undefined) return true;
  let newest = 0;
  for (const entry of SOURCE_ENTRIES)
    newest = Math.max(newest, await newestMtimeMs(path.join(consoleDir, entry)));
  return newest > built.mtimeMs;
}

/**
 * Builds console/ into console/dist with Vite's JavaScript API when stale. It builds into a
 * directory of its own and renames it into place, so two processes building at once (parallel test
 * files) never serve a half-written dist. Returns the dist directory.
 */
export async function ensureConsoleBuilt(consoleDir: string, log: (line: string) => void): Promise<string> {
  const dist = path.join(consoleDir, 'dist');
  if (!(await consoleIsStale(consoleDir))) return dist;
  const startedMs = Date.now();
  const outDir = path.join(consoleDir, `.dist-${process.pid}-${startedMs}`);
  // Imported here: vite is a development dependency, and only a stale console needs it.
  const { build } = await import('vite');
  try {
    await build({
      root: consoleDir,
      configFile: path.join(consoleDir, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    });
    await rm(dist, { recursive: true, force: true });
    await rename(outDir, dist);
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
  log(`console: built ${path.relative(process.cwd(), dist) || dist} in ${Date.now() - startedMs} ms`);
  return dist;
}

/**
 * The console for `tally dev`: built when stale, then served. A console that cannot be built (Vite
 * not installed, an error in console/) does not keep the API from starting: /console then answers
 * 503 with the reason, which the log also has.
 */
export async function prepareConsole(
  consoleDir: string,
  config: ConsoleConfig,
  log: (line: string) => void,
): Promise<StaticSite> {
  try {
    return consoleSite(await ensureConsoleBuilt(consoleDir, log), config);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    log(`console: not available, the build failed: ${reason}`);
    return {
      matches: (rawPath) => rawPath === CONSOLE_PATH || rawPath.startsWith(`${CONSOLE_PATH}/`),
      serve: async (_request, response) => {
        response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
        response.end(`The console could not be built: ${reason}\n`);
        return 503;
      },
    };
  }
}

/** Serves `distDir` at /console, and /console/config.json from `config`. */
export function consoleSite(distDir: string, config: ConsoleConfig): StaticSite {
  const root = path.resolve(distDir);
  return {
    matches: (rawPath) => rawPath === CONSOLE_PATH || rawPath.startsWith(`${CONSOLE_PATH}/`),
    serve: async (request, response, rawPath) => {
      const method = request.method ?? 'GET';
      if (method !== 'GET' && method !== 'HEAD') {
        response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
        response.end('The console is read with GET.\n');
        return 405;
      }
      if (rawPath === CONSOLE_PATH) {
        response.writeHead(308, { location: `${CONSOLE_PATH}/` });
        response.end();
        return 308;
      }
      const relative = safeRelative(rawPath.slice(CONSOLE_PATH.length + 1));
      if (relative === 'config.json') {
        const body = JSON.stringify(config);
        response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        response.end(method === 'HEAD' ? undefined : body);
        return 200;
      }
      const file = relative === undefined ? undefined : await fileIn(root, relative);
      if (file !== undefined) return sendFile(response, method, file, relative ?? '');
      // No such file: a route of the single-page app gets the app (ids may hold dots: /wallets/a.b);
      // a missing built asset (everything Vite emits is under assets/) 404s.
      if (relative !== undefined && !relative.startsWith('assets/')) {
        const index = await fileIn(root, 'index.html');
        if (index !== undefined) return sendFile(response, method, index, 'index.html');
      }
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(`Not found: ${rawPath}\n`);
      return 404;
    },
  };
}

/** The decoded path below /console/, or undefined when it is malformed or climbs out (`..`). */
function safeRelative(encoded: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const normalized = path.posix.normalize(`/${decoded}`).slice(1);
  if (normalized.split('/').includes('..')) return undefined;
  return normalized === '' ? 'index.html' : normalized;
}

async function fileIn(root: string, relative: string): Promise<string | undefined> {
  const file = path.resolve(root, relative);
  if (file !== root && !file.startsWith(`${root}${path.sep}`)) return undefined;
  const info = await stat(file).catch(() => undefined);
  return info?.isFile() ? file : undefined;
}

function sendFile(response: ServerResponse, method: string, file: string, relative: string): Promise<number> {
  const type = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  // Vite names what it emits under assets/ by content hash: those never change; index.html does.
  const cache = relative.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
  response.writeHead(200, {
    'content-type': type,
    'cache-control': cache,
    'x-content-type-options': 'nosniff',
  });
  if (method === 'HEAD') {
    response.end();
    return Promise.resolve(200);
  }
  return new Promise((resolve, reject) => {
    const stream = createReadStream(file);
    stream.once('error', reject);
    stream.once('end', () => resolve(200));
    stream.pipe(response);
  });
}
