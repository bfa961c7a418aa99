import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleIsStale, consoleSite, prepareConsole } from '../../../functions/local/console-assets.ts';

/** The console's static serving (`tally dev` at /console) and when it rebuilds, on a fake build. */
let root: string;
let server: Server;
let base: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'tally-console-assets-'));
  const dist = path.join(root, 'dist');
  await mkdir(path.join(dist, 'assets'), { recursive: true });
  await writeFile(path.join(dist, 'index.html'), '<!doctype html><title>app</title>');
  await writeFile(path.join(dist, 'assets', 'index-abc.js'), 'export {};');
  await writeFile(path.join(dist, 'assets', 'index-abc.css'), 'body{}');
  await writeFile(path.join(root, 'secret.txt'), 'outside dist');
  const site = consoleSite(dist, { apiUrl: '', auth: { kind: 'dev-token' } });
  server = createServer((request, response) => {
    const rawPath = (request.url ?? '/').split('?')[0] ?? '/';
    if (!site.matches(rawPath)) {
      response.writeHead(418).end();
      return;
    }
    void site.serve(request, response, rawPath);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(root, { recursive: true, force: true });
});

const get = async (target: string, method = 'GET') => {
  const response = await fetch(`${base}${target}`, { method, redirect: 'manual' });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    headers: response.headers,
    body: await response.text(),
  };
};

describe('the console at /console', () => {
  it('serves files with their content types; hashed assets are cached for good, the page is not', async () => {
    const script = await get('/console/assets/index-abc.js');
    expect(script).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8', body: 'export {};' });
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await get('/console/assets/index-abc.css')).type).toBe('text/css; charset=utf-8');
    const page = await get('/console/');
    expect(page).toMatchObject({
      status: 200,
      type: 'text/html; charset=utf-8',
      body: '<!doctype html><title>app</title>',
    });
    expect(page.headers.get('cache-control')).toBe('no-cache');
  });

  it('answers app routes with index.html (SPA fallback), a missing asset with 404, /console with a redirect', async () => {
    expect(await get('/console/wallets/w1')).toMatchObject({
      status: 200,
      body: '<!doctype html><title>app</title>',
    });
    // Ids may hold dots (the API's id rule): such a page is still the app, not a missing file.
    expect(await get('/console/wallets/alice.smith')).toMatchObject({
      status: 200,
      body: '<!doctype html><title>app</title>',
    });
    expect((await get('/console/assets/missing.js')).status).toBe(404);
    const bare = await get('/console');
    expect(bare.status).toBe(308);
    expect(bare.headers.get('location')).toBe('/console/');
  });

  it('never serves a file outside dist, however the path is written', async () => {
    for (const target of [
      '/console/../secret.txt',
      '/console/%2e%2e/secret.txt',
      '/console/assets/%2e%2e/%2e%2e/secret.txt',
      '/console/%00',
    ]) {
      const answer = await get(target);
      expect(answer.body, target).not.toContain('outside dist');
    }
  });

  it('answers config.json with the API and the sign-in mode, and refuses writes', async () => {
    expect(JSON.parse((await get('/console/config.json')).body)).toEqual({
      apiUrl: '',
      auth: { kind: 'dev-token' },
    });
    expect((await get('/console/', 'POST')).status).toBe(405);
    expect((await get('/consoles')).status).toBe(418);
  });
});

describe('consoleIsStale', () => {
  it('is stale without a build, fresh after one, stale again when a source changes', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tally-console-stale-'));
    try {
      await mkdir(path.join(dir, 'src', 'pages'), { recursive: true });
      const source = path.join(dir, 'src', 'pages', 'page.tsx');
      await writeFile(source, 'export {};');
      expect(await consoleIsStale(dir)).toBe(true);
      await mkdir(path.join(dir, 'dist'));
      await writeFile(path.join(dir, 'dist', 'index.html'), '');
      const past = new Date(Date.now() - 60_000);
      await utimes(source, past, past);
      await utimes(path.join(dir, 'src', 'pages'), past, past);
      await utimes(path.join(dir, 'src'), past, past);
      expect(await consoleIsStale(dir)).toBe(false);
      const later = new Date(Date.now() + 60_000);
      await utimes(source, later, later);
      expect(await consoleIsStale(dir)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('prepareConsole', () => {
  it('answers 503 with the reason, instead of failing tally dev, when the console cannot be built', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tally-console-broken-'));
    const lines: string[] = [];
    try {
      // No index.html and no vite.config.ts: Vite has nothing to build.
      const site = await prepareConsole(dir, { apiUrl: '', auth: { kind: 'off' } }, (line) =>
        lines.push(line),
      );
      const answered = createServer((request, response) => void site.serve(request, response, '/console/'));
      await new Promise<void>((resolve) => answered.listen(0, '127.0.0.1', resolve));
      const port = (answered.address() as AddressInfo).port;
      const response = await fetch(`http://127.0.0.1:${port}/console/`);
      await new Promise((resolve) => answered.close(resolve));
      expect(response.status).toBe(503);
      expect(await response.text()).toMatch(/^The console could not be built: /);
      expect(lines.some((line) => line.startsWith('console: not available, the build failed: '))).toBe(true);
      expect(site.matches('/console/x')).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
