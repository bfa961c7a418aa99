import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../functions/local/runtime.ts';
import { startTestRuntime } from '../support/local.ts';

/** The contract as an integrator meets it: the document and its reference page, with no token. */
let runtime: LocalRuntime;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'tally-openapi-e2e-'));
  runtime = await startTestRuntime({ auth: 'jwt', dataDir, inMemory: true });
});

afterAll(async () => {
  await runtime?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('GET /openapi.json', () => {
  it('serves the generated document, public even when every other route needs a token', async () => {
    const response = await fetch(`${runtime.url}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    const served = (await response.json()) as unknown;
    expect(served).toEqual(JSON.parse(readFileSync('openapi/openapi.json', 'utf8')));
    const guarded = await fetch(`${runtime.url}/details/anyone`);
    expect(guarded.status).toBe(401);
  });
});

describe('GET /docs', () => {
  it('renders from /openapi.json and loads nothing from another host', async () => {
    const response = await fetch(`${runtime.url}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await response.text();
    expect(page).toContain("fetch('openapi.json')");
    expect(page).not.toMatch(/(src|href)="https?:/);
    expect(page.length).toBeLessThan(20_000);
  });
});
