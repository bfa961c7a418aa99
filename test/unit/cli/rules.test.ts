import { describe, expect, it } from 'vitest';
import { runCommand } from '../../../functions/cli/command.ts';
import { rulesCommand } from '../../../functions/cli/rules.ts';
import { fakeApiPerTest, fixtureDir, testIo, unreachableUrl } from './fake-api.ts';

const GOOD = 'event_type=="answer_is_liked", 250\nevent_type=="trade", 1\n';
/** A rule file as `curl -d` would leave it: one comment line, no rules. */
const EMPTY = '# Tally rules event_type=="answer_is_liked", 250\n';

const fixture = fixtureDir('tally-cli-rules-', { 'good.rules': GOOD, 'empty.rules': EMPTY });
const serve = fakeApiPerTest();

const rules = (argv: string[], io: ReturnType<typeof testIo>) => runCommand('rules', rulesCommand, argv, io);
const published = { status: 201, body: { version: 4, text: GOOD } };

describe('tally rules check', () => {
  it('fails with a warning for a file with no rules', async () => {
    const io = testIo({ cwd: fixture.path });
    expect(await rules(['check', 'empty.rules'], io)).toBe(1);
    expect(io.stdout()).toContain('empty.rules: ok — 0 rule(s)');
    expect(io.stderr()).toMatch(/^warning: empty\.rules: no rules — .*--allow-empty/);
  });

  it('passes an empty file with --allow-empty, and a file with rules without it', async () => {
    const io = testIo({ cwd: fixture.path });
    expect(await rules(['check', 'empty.rules', '--allow-empty'], io)).toBe(0);
    expect(await rules(['check', 'good.rules'], io)).toBe(0);
    expect(io.stderr()).toBe('');
  });
});

describe('tally rules publish', () => {
  it('PUTs the file verbatim as text, newlines kept, naming its source', async () => {
    const api = await serve(() => published);
    const io = testIo({ cwd: fixture.path });
    expect(await rules(['publish', 'good.rules', '--url', api.url], io)).toBe(0);
    expect(api.requests).toEqual([
      expect.objectContaining({
        method: 'PUT',
        path: '/rules?source=good.rules',
        contentType: 'text/plain',
        body: GOOD,
      }),
    ]);
    expect(io.stdout()).toBe(`good.rules: published as version 4 on ${api.url}\n`);
  });

  it('refuses a file with no rules before sending anything', async () => {
    const api = await serve(() => published);
    const io = testIo({ cwd: fixture.path });
    expect(await rules(['publish', 'empty.rules', '--url', api.url], io)).toBe(1);
    expect(io.stderr()).toContain('empty.rules: no rules');
    expect(api.requests).toEqual([]);
  });

  it('asks the API for allowEmpty with --allow-empty', async () => {
    const api = await serve(() => published);
    const io = testIo({ cwd: fixture.path });
    expect(await rules(['publish', 'empty.rules', '--allow-empty', '--url', api.url], io)).toBe(0);
    expect(api.requests[0]?.path).toBe('/rules?source=empty.rules&allowEmpty=true');
  });

  it.each([
    ['--token', ['--token', 'tok-flag'], {}, 'Bearer tok-flag'],
    ['TALLY_TOKEN', [], { TALLY_TOKEN: 'tok-env' }, 'Bearer tok-env'],
    ['TALLY_ADMIN_TOKEN', [], { TALLY_ADMIN_TOKEN: 'admin-secret' }, 'Bearer admin-secret'],
    ['--token over TALLY_TOKEN', ['--token', 'tok-flag'], { TALLY_TOKEN: 'tok-env' }, 'Bearer tok-flag'],
  ])('sends the token from %s', async (_name, flags, env, expected) => {
    const api = await serve(() => published);
    const io = testIo({ cwd: fixture.path, env });
    expect(await rules(['publish', 'good.rules', '--url', api.url, ...flags], io)).toBe(0);
    expect(api.requests[0]?.authorization).toBe(expected);
  });

  it('prints a 401 problem as one readable line, not raw JSON', async () => {
    const api = await serve(() => ({
      status: 401,
      headers: { 'content-type': 'application/problem+json' },
      body: {
        type: '/problems/unauthorized',
        title: 'Unauthorized',
        status: 401,
        detail: 'Send the admin token.',
      },
    }));
    const io = testIo({ cwd: fixture.path });
    expect(await rules(['publish', 'good.rules', '--url', api.url], io)).toBe(1);
    expect(io.stderr()).toBe('tally: 401 Unauthorized: Send the admin token.\n');
  });

  it('says in one line that an unreachable Tally cannot be reached, with no stack', async () => {
    const url = await unreachableUrl();
    const io = testIo({ cwd: fixture.path });
    expect(await rules(['publish', 'good.rules', '--url', url], io)).toBe(1);
    const lines = io.stderr().trim().split('\n');
    expect(lines[0]).toBe(`tally: cannot reach Tally at ${url} (ECONNREFUSED).`);
    expect(io.stderr()).not.toContain('TypeError');
    expect(io.stderr()).not.toMatch(/\n\s+at /);
  });
});
