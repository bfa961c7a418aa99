import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  EmulatorBusyError,
  forgetEmulator,
  rememberEmulator,
  waitForPreviousEmulator,
} from '#adapters/local/emulator-lock.ts';

/** A stand-in for the JVM: a process whose command line names DynamoDBLocal.jar and the data dir. */
function fakeEmulator(dbPath: string, lifeMs: number) {
  const child = spawn(
    process.execPath,
    ['-e', `setTimeout(() => {}, ${lifeMs})`, '--', '-jar', '/x/DynamoDBLocal.jar', '-dbPath', dbPath],
    { stdio: 'ignore' },
  );
  return { pid: child.pid ?? -1, kill: () => child.kill('SIGKILL') };
}

let dbPath: string;
beforeEach(async () => {
  dbPath = await mkdtemp(path.join(tmpdir(), 'tally-lock-'));
});
afterEach(async () => {
  await rm(dbPath, { recursive: true, force: true });
});

describe.runIf(process.platform === 'linux')('waitForPreviousEmulator', () => {
  it('waits until the previous emulator on this data dir has exited', async () => {
    // It is stopped a while after the wait has begun, not at the end of a fixed life: on a loaded
    // machine a life of 1.2 s could end before the wait began (nothing was waited for). The wait must
    // end after the stop was sent; not measured against the child's exit event, which this process
    // can take later than the wait sees the process gone (its /proc entry goes first).
    const previous = fakeEmulator(dbPath, 30_000);
    await rememberEmulator(dbPath, previous.pid);
    const lines: string[] = [];
    let stoppedAt = Number.POSITIVE_INFINITY;
    await waitForPreviousEmulator(dbPath, {
      log: (line) => {
        lines.push(line);
        setTimeout(() => {
          stoppedAt = Date.now();
          previous.kill();
        }, 300);
      },
    });
    expect(Date.now()).toBeGreaterThanOrEqual(stoppedAt);
    expect(lines.join('\n')).toMatch(new RegExp(`previous emulator \\(pid ${previous.pid}\\)`));
  });

  it('says the data dir is in use when the previous emulator does not stop', async () => {
    const other = fakeEmulator(dbPath, 30_000);
    try {
      await rememberEmulator(dbPath, other.pid);
      await expect(waitForPreviousEmulator(dbPath, { waitMs: 300 })).rejects.toThrow(EmulatorBusyError);
      await expect(waitForPreviousEmulator(dbPath, { waitMs: 300 })).rejects.toThrow(/another `tally dev`/);
    } finally {
      other.kill();
    }
  });

  it('ignores a pid that now belongs to another process, and one for another data dir', async () => {
    await rememberEmulator(dbPath, process.pid); // alive, but not an emulator
    // Neither is waited for: no wait begins (it would say so, and end in EmulatorBusyError when the
    // process outlives waitMs). Not timed: 4 s for two checks and a spawn is short on a loaded machine.
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);
    await waitForPreviousEmulator(dbPath, { waitMs: 5_000, log });
    const elsewhere = fakeEmulator(`${dbPath}-other`, 30_000);
    try {
      await rememberEmulator(dbPath, elsewhere.pid);
      await waitForPreviousEmulator(dbPath, { waitMs: 5_000, log });
      expect(lines).toEqual([]);
    } finally {
      elsewhere.kill();
    }
  });

  it('forgets only its own pid', async () => {
    const mine = fakeEmulator(dbPath, 30_000);
    try {
      await rememberEmulator(dbPath, mine.pid);
      await forgetEmulator(dbPath, mine.pid + 1);
      await expect(waitForPreviousEmulator(dbPath, { waitMs: 200 })).rejects.toThrow(EmulatorBusyError);
      await forgetEmulator(dbPath, mine.pid);
      await waitForPreviousEmulator(dbPath, { waitMs: 200 });
    } finally {
      mine.kill();
    }
  });
});
