import { readFile, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

/**
 * One DynamoDB Local per data dir, and a restart waits for the previous one to finish writing.
 *
 * When the runtime dies (kill -9 included) its JVM is sent SIGTERM (jvm-process.ts) and finishes
 * the writes it has acknowledged while it shuts down. A runtime restarted at once must not open
 * the same database meanwhile: it would miss those writes, or meet a locked file. The JVM's pid
 * is kept next to the database; a start waits until that process is gone.
 */
const PID_FILE = 'emulator.pid';

export class EmulatorBusyError extends Error {}

export interface PreviousEmulatorOptions {
  /** How long a previous JVM may take to shut down before the data dir counts as in use. @default 20 000 */
  waitMs?: number;
  log?: (line: string) => void;
}

export async function waitForPreviousEmulator(dbPath: string, options: PreviousEmulatorOptions = {}) {
  const pid = await readPid(dbPath);
  if (pid === undefined || !(await isEmulator(pid, dbPath))) return;
  options.log?.(`DynamoDB Local: waiting for the previous emulator (pid ${pid}) to finish its writes`);
  const deadline = Date.now() + (options.waitMs ?? 20_000);
  while (await isEmulator(pid, dbPath)) {
    if (Date.now() > deadline) {
      throw new EmulatorBusyError(
        `DynamoDB Local (pid ${pid}) still uses ${dbPath}: is another \`tally dev\` running on this data dir? ` +
          'Stop it, or start with another --data-dir.',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function rememberEmulator(dbPath: string, pid: number): Promise<void> {
  await writeFile(path.join(dbPath, PID_FILE), `${pid}\n`);
}

export async function forgetEmulator(dbPath: string, pid: number): Promise<void> {
  if ((await readPid(dbPath)) === pid) await rm(path.join(dbPath, PID_FILE), { force: true });
}

async function readPid(dbPath: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(path.join(dbPath, PID_FILE), 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Alive, and (where /proc tells) an emulator on this data dir, not a process that reused the pid. */
async function isEmulator(pid: number, dbPath: string): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: alive, someone else's. Only ESRCH means gone.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (process.platform !== 'linux') return true;
  try {
    const commandLine = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    return commandLine.some((arg) => arg.endsWith('DynamoDBLocal.jar')) && commandLine.includes(dbPath);
  } catch {
    return false; // gone between the two checks
  }
}
