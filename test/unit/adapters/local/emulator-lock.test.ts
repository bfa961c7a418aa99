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
  const exited = new Promise<number>((resolve) => child.once('exit', () => resolve(Date.now())));
  return { pid: child.pid ?? -1, exited, kill: () => child.kill('SIGKILL') };
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
    const previous = fakeEmulator(dbPath, 1_200);
    await rememberEmulator(dbPath, previous.pid);
    const lines: string[] = [];
    await waitForPreviousEmulator(dbPath, { log: (line) => lines.push(line) });
    const doneAt = Date.now();
    expect(doneAt).toBeGreaterThanOrEqual(await previous.exited);
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
    const startedAt = Date.now();
    await waitForPreviousEmulator(dbPath, { waitMs: 5_000 });
    const elsewhere = fakeEmulator(`${dbPath}-other`, 30_000);
    try {
      await rememberEmulator(dbPath, elsewhere.pid);
      await waitForPreviousEmulator(dbPath, { waitMs: 5_000 });
      expect(Date.now() - startedAt).toBeLessThan(4_000);
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
