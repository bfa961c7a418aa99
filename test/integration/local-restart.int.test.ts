import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll, killGroup, startDev } from '../support/tally-dev.ts';

/**
 * kill -9 of `tally dev`'s whole process group under load, then a restart on the same data dir
 * (issue 10 §4.3, issue 15 §7): the stream poller resumes from its checkpoint instead of
 * re-delivering the whole stream, /details answers at once, every acknowledged deposit is there
 * (DynamoDB Local, sent SIGTERM by the kernel, finishes its acknowledged writes and the restart
 * waits for it), and new deposits are projected.
 */
let dataDir: string;
const children: ChildProcess[] = [];

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
  killAll(children);
  await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
});

describe('kill -9 and restart of tally dev', { timeout: 90_000 }, () => {
  it('resumes the stream from its checkpoint: /details answers at once and counts every acknowledged deposit', async () => {
    const first = await startDev(dataDir, children);
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
    await killGroup(first.child);
    await inFlight;

    const second = await startDev(dataDir, children);
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
