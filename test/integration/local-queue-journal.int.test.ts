import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll, killGroup, startDev } from '../support/tally-dev.ts';

/**
 * Issue 15 §6: `POST /events` answers 202 once the message is in the local queue; before the
 * queue journal, killing the runtime lost the accepted events still in fauxqs' memory. Here the
 * whole process group is killed with SIGKILL while events pour in, the runtime restarts on the
 * same data dir, and every accepted event is applied — once (250 points each, no more).
 */
let dataDir: string;
const children: ChildProcess[] = [];

const WALLET = 'journal-w';

async function postEvent(url: string, id: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({
        specversion: '1.0',
        id,
        source: 'journal-test',
        type: 'answer_is_liked',
        subject: WALLET,
        time: new Date().toISOString(),
        datacontenttype: 'application/json',
        data: { answerId: id },
      }),
    });
    return response.status === 202;
  } catch {
    return false; // killed under this request: not accepted
  }
}

async function points(url: string): Promise<number> {
  const response = await fetch(`${url}/wallets/${WALLET}`, { signal: AbortSignal.timeout(2_000) });
  if (response.status === 404) return 0;
  return Number(((await response.json()) as { points: string | number }).points);
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'tally-journal-'));
});

afterAll(async () => {
  killAll(children);
  await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
});

describe('the local queue journal', { timeout: 120_000 }, () => {
  it('keeps every accepted event across a SIGKILL of the process group: each is applied once', async () => {
    const first = await startDev(dataDir, children);
    let accepted = 0;
    let attempted = 0;
    const poster = async (lane: number) => {
      for (let n = 0; n < 200; n++) {
        attempted++;
        if (!(await postEvent(first.url, `ev-${lane}-${n}`))) return;
        accepted++;
      }
    };
    const posting = Promise.all([0, 1, 2, 3].map(poster));
    // Kill while events are accepted faster than the 2-second-visibility pollers apply them.
    await expect.poll(() => accepted, { timeout: 30_000, interval: 20 }).toBeGreaterThanOrEqual(40);
    await killGroup(first.child);
    await posting;
    const killedWithApplied = await points(first.url).catch(() => undefined);
    expect(killedWithApplied).toBeUndefined(); // the runtime is gone

    const second = await startDev(dataDir, children);
    // Each accepted event once; at most the four whose 202 was lost with the process on top.
    await expect
      .poll(() => points(second.url), { timeout: 60_000, interval: 250 })
      .toBeGreaterThanOrEqual(accepted * 250);
    // Nothing more arrives later: give stragglers time, then check the upper bound.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const final = await points(second.url);
    expect(final).toBeLessThanOrEqual(Math.min(attempted, accepted + 4) * 250);
    expect(final % 250).toBe(0);
    second.child.kill('SIGTERM');
  });
});
