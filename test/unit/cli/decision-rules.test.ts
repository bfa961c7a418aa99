import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../../functions/cli/command.ts';
import { decisionRulesCommand } from '../../../functions/cli/decision-rules.ts';
import { fakeApiPerTest, fixtureDir, testIo, unreachableUrl } from './fake-api.ts';

const GOOD =
  '# two rules\nsingle-purchase-max: amount_minor > 500000\nblocked-mcc: merchant.mcc in ["7995"]\n';
const BAD = 'ok-rule: amount_minor > 1\nbroken: amount_minor >\n';

const fixture = fixtureDir('tally-cli-decision-rules-', { 'good.rules': GOOD, 'bad.rules': BAD });
const serve = fakeApiPerTest();

const run = (argv: string[], io: ReturnType<typeof testIo>) =>
  runCommand('decision-rules', decisionRulesCommand, argv, io);

describe('tally decision-rules check', () => {
  it('names the rules of a file that compiles, and each error line of one that does not', async () => {
    const io = testIo({ cwd: fixture.path });
    expect(await run(['check', 'good.rules'], io)).toBe(0);
    expect(io.stdout()).toBe('good.rules: ok — 2 rule(s): single-purchase-max, blocked-mcc\n');
    const bad = testIo({ cwd: fixture.path });
    expect(await run(['check', 'good.rules', 'bad.rules'], bad)).toBe(1);
    expect(bad.stderr()).toMatch(/^bad\.rules:2:\d+: /);
  });

  it('passes the shipped rules/card-decisions.rules', async () => {
    const io = testIo({ cwd: process.cwd() });
    expect(await run(['check', 'rules/card-decisions.rules'], io)).toBe(0);
    expect(io.stdout()).toContain('single-purchase-max, blocked-mcc, velocity');
  });
});

describe('tally decision-rules publish', () => {
  it('PUTs the file verbatim as text to /decision-rules, naming its source, with the token', async () => {
    const api = await serve(() => ({ status: 201, body: { version: 3, text: GOOD } }));
    const io = testIo({ cwd: fixture.path, env: { TALLY_ADMIN_TOKEN: 'admin-secret' } });
    expect(await run(['publish', 'good.rules', '--url', api.url], io)).toBe(0);
    expect(api.requests).toEqual([
      expect.objectContaining({
        method: 'PUT',
        path: '/decision-rules?source=good.rules',
        contentType: 'text/plain',
        authorization: 'Bearer admin-secret',
        body: await readFile(path.join(fixture.path, 'good.rules'), 'utf8'),
      }),
    ]);
    expect(io.stdout()).toBe(`good.rules: published as version 3 on ${api.url}\n`);
  });

  it('says "already active" on a 200 (the same text again)', async () => {
    const api = await serve(() => ({ status: 200, body: { version: 3 } }));
    const io = testIo({ cwd: fixture.path });
    expect(await run(['publish', 'good.rules', '--url', api.url], io)).toBe(0);
    expect(io.stdout()).toBe(`good.rules: already active as version 3 on ${api.url}\n`);
  });

  it('refuses a file that does not compile before sending anything', async () => {
    const api = await serve(() => ({ status: 201, body: { version: 1 } }));
    const io = testIo({ cwd: fixture.path });
    expect(await run(['publish', 'bad.rules', '--url', api.url], io)).toBe(1);
    expect(io.stderr()).toMatch(/^bad\.rules:2:/);
    expect(api.requests).toEqual([]);
  });

  it('prints the API’s 422 with each error line', async () => {
    const api = await serve(() => ({
      status: 422,
      headers: { 'content-type': 'application/problem+json' },
      body: { title: 'Invalid rules', status: 422, errors: [{ line: 1, column: 5, message: 'nope' }] },
    }));
    const io = testIo({ cwd: fixture.path });
    expect(await run(['publish', 'good.rules', '--url', api.url], io)).toBe(1);
    expect(io.stderr()).toBe('tally: 422 Invalid rules\n  good.rules:1:5: nope\n');
  });

  it('says in one line that an unreachable Tally cannot be reached', async () => {
    const url = await unreachableUrl();
    const io = testIo({ cwd: fixture.path });
    expect(await run(['publish', 'good.rules', '--url', url], io)).toBe(1);
    expect(io.stderr().split('\n')[0]).toBe(`tally: cannot reach Tally at ${url} (ECONNREFUSED).`);
  });

  it('is a usage error without exactly one file', async () => {
    const io = testIo({ cwd: fixture.path });
    expect(await run(['publish'], io)).toBe(2);
    expect(await run(['frobnicate'], io)).toBe(2);
  });
});

describe('tally decision-rules show and versions', () => {
  it('show prints the active set (or --version N) with its header', async () => {
    const api = await serve((request) => ({
      status: 200,
      body: {
        version: request.path.endsWith('/2') ? 2 : 5,
        builtIn: false,
        source: 'good.rules',
        textHash: 'abc',
        publishedAt: '2026-01-01T00:00:00.000Z',
        publishedBy: 'ops',
        text: GOOD,
      },
    }));
    const io = testIo({ cwd: fixture.path });
    expect(await run(['show', '--url', api.url], io)).toBe(0);
    expect(await run(['show', '--version', '2', '--url', api.url], io)).toBe(0);
    expect(api.requests.map((request) => request.path)).toEqual([
      '/decision-rules',
      '/decision-rules/versions/2',
    ]);
    expect(io.stdout()).toContain(
      '# decision rules version 5 (good.rules, published 2026-01-01T00:00:00.000Z by ops, sha256 abc)\n',
    );
    expect(io.stdout()).toContain('# decision rules version 2 ');
    expect(io.stdout()).toContain('blocked-mcc: merchant.mcc in ["7995"]');
    expect(await run(['show', '--version', 'x', '--url', api.url], io)).toBe(2);
  });

  it('versions follows every page and prints one row per version', async () => {
    const version = (n: number) => ({
      version: n,
      source: 'good.rules',
      textHash: `hash${n}-0123456789`,
      publishedAt: '2026-01-01T00:00:00.000Z',
      publishedBy: 'ops',
      rules: 2,
    });
    const api = await serve((request) =>
      request.path.includes('cursor=')
        ? { status: 200, body: { versions: [version(2)], next: null } }
        : { status: 200, body: { versions: [version(1)], next: 'page-2' } },
    );
    const io = testIo({ cwd: fixture.path });
    expect(await run(['versions', '--url', api.url], io)).toBe(0);
    expect(api.requests.map((request) => request.path)).toEqual([
      '/decision-rules/versions?limit=100',
      '/decision-rules/versions?limit=100&cursor=page-2',
    ]);
    const lines = io.stdout().trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^\s*1\s+2026-01-01T00:00:00.000Z\s+ops\s+good\.rules\s+2\s+hash1-012345$/);
    const json = testIo({ cwd: fixture.path });
    expect(await run(['versions', '--json', '--url', api.url], json)).toBe(0);
    expect(
      json
        .stdout()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).version),
    ).toEqual([1, 2]);
  });
});
