/**
 * The real executable (bin/tally.js → bin/tally.ts) in a child process: the command table lists
 * replay and backtest, and `tally rules check` still compiles through the shared rule-file code.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/tally.js', import.meta.url));

function tally(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: { ...process.env, TALLY_URL: '' } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tally-cli-bin-'));
  await writeFile(path.join(dir, 'good.rules'), 'event_type=="answer_is_liked", 300\n');
  await writeFile(path.join(dir, 'bad.rules'), 'event_type=="answer_is_liked" &&, 300\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('bin/tally.js', { timeout: 60_000 }, () => {
  it('lists replay and backtest in `tally help`, and shows each one’s usage', async () => {
    const help = await tally(['help'], dir);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^ {2}replay {10}rebuild wallet read models from the event store/m);
    expect(help.stdout).toMatch(/^ {2}backtest {8}replay stored facts through a candidate rule set/m);
    expect(help.stdout).toMatch(/^ {2}decision-rules {2}check card decision rule files, publish one/m);

    const replay = await tally(['help', 'replay'], dir);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain(
      'Usage: tally replay [--wallet ID] [--dry-run] [--json] [--url URL] [--token TOKEN]',
    );

    const backtest = await tally(['backtest', '--help'], dir);
    expect(backtest.code).toBe(0);
    expect(backtest.stdout).toContain('Usage: tally backtest <file|dir> [--wallet ID]...');
  });

  it('exits 2 for `backtest --apply` without --version, and 1 for rules that do not compile', async () => {
    const apply = await tally(['backtest', 'good.rules', '--apply'], dir);
    expect(apply.code).toBe(2);
    expect(apply.stderr).toContain('tally backtest: --apply needs --version N');

    const broken = await tally(['backtest', 'bad.rules', '--url', 'http://127.0.0.1:1'], dir);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/^bad\.rules:1:\d+: /);
    expect(broken.stderr).not.toContain('cannot reach');
  });

  it('lists dev and token, and `tally dev --help` shows --auth', async () => {
    const help = await tally(['help'], dir);
    expect(help.stdout).toMatch(/^ {2}token {11}print a signed token from the local dev issuer/m);
    const dev = await tally(['dev', '--help'], dir);
    expect(dev.code).toBe(0);
    expect(dev.stdout).toContain('tally dev [--port N] [--host H] [--in-memory] [--data-dir DIR] [--auth]');
  });

  it('still checks rule files with `tally rules check`', async () => {
    const check = await tally(['rules', 'check', 'good.rules', 'bad.rules'], dir);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('good.rules: ok — 1 rule(s)');
    expect(check.stderr).toMatch(/^bad\.rules:1:\d+: /);
  });
});
