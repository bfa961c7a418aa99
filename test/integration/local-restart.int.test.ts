import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * kill -9 of `tally dev`'s whole process group under load, then a restart on the same data dir
 * (issue 10 §4.3, issue 15 §7): the stream poller resumes from its checkpoint instead of
 * re-delivering the whole stream, /details answers at once, every acknowledged deposit is there
 * (DynamoDB Local, sent SIGTERM by the kernel, finishes its acknowledged writes and the restart
 * waits for it), and new deposits are projected.
 */
const BIN = fileURLToPath(new URL('../../bin/tally.js', import.meta.url));
let dataDir: string;
const children: ChildProcess[] = [];

interface Dev {
  child: ChildProcess;
  url: string;
  stderr: () => string;
}

/** Starts `tally dev` on a free port and resolves with its URL once it says it is running. */
function startDev(): Promise<Dev> {
  const child = spawn(process.execPath, [BIN, 'dev', '--port', '0', '--data-dir', dataDir], {
    env: { ...process.env, TALLY_ADMIN_TOKEN: '', TALLY_AUTH: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // A group of its own, as `npm start` in a terminal has, so the test can kill the whole group.
    detached: true,
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const port = /running on http:\/\/localhost:(\d+)/.exec(stdout)?.[1];
      if (port !== undefined) resolve({ child, url: `http://127.0.0.1:${port}`, stderr: () => stderr });
    });
    child.once('exit', (code) => reject(new Error(`tally dev exited with ${code}:\n${stdout}\n${stderr}`)));
  });
}

function killHard(dev: Dev): Promise<void> {
  return new Promise((resolve) => {
    dev.child.once('exit', () => resolve());
    // The whole process group, as a closed terminal or `kill -9 -PGID` does.
    process.kill(-(dev.child.pid ?? 0), 'SIGKILL');
  });
}

const WALLETS = Array.from({ length: 5 }, (_, index) => `restart-${index}`);

async function deposit(url: string, walletId: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/deposit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ WalletID: walletId, Amount: 1 }),
    });
    return response.status === 201;
  } catch {
    return false; // the process was killed under this request: not acknowledged
  }
}

async function balance(url: string, walletId: string): Promise<number> {
  const response = await fetch(`${url}/details/${walletId}`, { signal: AbortSignal.timeout(2_000) });
  if (response.status === 404) return 0;
  return ((await response.json()) as { Balance: number }).Balance;
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'tally-restart-'));
});

afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-(child.pid ?? 0), 'SIGKILL');
      } catch {
        // the group is gone already
      }
    }
  await rm(dataDir, { recursive: true, force: true });
});

describe('kill -9 and restart of tally dev', { timeout: 90_000 }, () => {
  it('resumes the stream from its checkpoint: /details answers at once and counts every acknowledged deposit', async () => {
    const first = await startDev();
    const acknowledged = new Map<string, number>(WALLETS.map((walletId) => [walletId, 0]));
    const writer = async (walletId: string, count: number) => {
      for (let n = 0; n < count; n++) {
        if (await deposit(first.url, walletId))
          acknowledged.set(walletId, (acknowledged.get(walletId) ?? 0) + 1);
      }
    };
    await Promise.all(WALLETS.map((walletId) => writer(walletId, 4)));
    await expect.poll(() => balance(first.url, WALLETS[0] ?? ''), { timeout: 10_000 }).toBe(4);
    // The poller has saved where it is (it does every 250 ms while it delivers).
    await expect
      .poll(() => readdir(path.join(dataDir, 'stream-checkpoints')).catch(() => []), { timeout: 10_000 })
      .toEqual(['tally-local.json']);
    // Under load: more deposits in flight when the process is killed.
    const inFlight = Promise.all(WALLETS.map((walletId) => writer(walletId, 50)));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await killHard(first);
    await inFlight;

    const second = await startDev();
    const startedMs = Date.now();
    // The stream poller picks up after its checkpoint; without one it re-delivers every record.
    await expect
      .poll(() => second.stderr(), { timeout: 5_000 })
      .toMatch(/resuming 1 shard\(s\) from their checkpoints/);
    for (const walletId of WALLETS) {
      const acked = acknowledged.get(walletId) ?? 0;
      // Every acknowledged deposit; at most one more (its answer was lost with the process).
      await expect
        .poll(() => balance(second.url, walletId), { timeout: 10_000 })
        .toBeGreaterThanOrEqual(acked);
      expect(await balance(second.url, walletId)).toBeLessThanOrEqual(acked + 1);
    }
    expect(Date.now() - startedMs).toBeLessThan(15_000);
    const before = await balance(second.url, 'restart-0');
    expect(await deposit(second.url, 'restart-0')).toBe(true);
    await expect.poll(() => balance(second.url, 'restart-0'), { timeout: 5_000 }).toBe(before + 1);
    second.child.kill('SIGTERM');
  });
});
