import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * `tally dev` as a child process, for the tests that kill and restart it (kill -9 of the whole
 * process group, then a start on the same data dir). Auth off and no admin token, so requests need
 * no headers.
 */
const BIN = fileURLToPath(new URL('../../bin/tally.js', import.meta.url));

export interface DevProcess {
  child: ChildProcess;
  url: string;
  stderr: () => string;
}

/**
 * Starts `tally dev` on a free port in a process group of its own (as `npm start` in a terminal);
 * `args` are more flags (`--auth`).
 */
export function startDev(
  dataDir: string,
  started: ChildProcess[] = [],
  args: string[] = [],
): Promise<DevProcess> {
  const child = spawn(process.execPath, [BIN, 'dev', '--port', '0', '--data-dir', dataDir, ...args], {
    env: { ...process.env, TALLY_ADMIN_TOKEN: '', TALLY_AUTH: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  started.push(child);
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

/** SIGKILL to the whole process group, as a closed terminal or `kill -9 -PGID` sends. */
export function killGroup(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    process.kill(-(child.pid ?? 0), 'SIGKILL');
  });
}

/**
 * Kills what is still running of the started processes' groups (afterAll). A group whose leader
 * has exited may still hold its DynamoDB Local, writing to the data dir: so every group is sent
 * the signal, not only those whose leader still runs.
 */
export function killAll(started: readonly ChildProcess[]): void {
  for (const child of started) {
    try {
      process.kill(-(child.pid ?? 0), 'SIGKILL');
    } catch {
      // the group is gone already
    }
  }
}
