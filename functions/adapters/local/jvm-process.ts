import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/** The JVM that runs DynamoDB Local, as a child process: started, watched, and stopped for sure. */

/** JVMs this process started and has not stopped yet; told to stop on exit whatever the reason. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' listeners run synchronously: the signal is all there is time for. SIGTERM, never
  // SIGKILL: DynamoDB Local acknowledges a write before it is safe from a kill (issue 15 §7; a
  // plain TransactWriteItems loop lost its last acknowledged write in ~4 of 12 SIGKILLs here,
  // none in 10 SIGTERMs), and its shutdown hook finishes the write. The JVM ends on its own.
  process.on('exit', () => {
    for (const child of running) child.kill('SIGTERM');
  });
}

/**
 * On Linux, `setpriv --pdeathsig TERM` makes the kernel send the JVM SIGTERM when this process
 * dies, even by SIGKILL, when no exit handler runs; and the JVM gets a process group of its own,
 * so a SIGKILL of the runtime's whole group (a terminal closed, `kill -9 -PGID`) does not reach it
 * either. Either way it shuts down cleanly and loses no acknowledged write. Ctrl-C reaches the
 * runtime, which stops the JVM itself. Elsewhere the JVM stays in our process group, so a
 * terminal's Ctrl-C reaches it as well, and the exit hook covers normal exits.
 */
function parentDeathWrapper(): string[] {
  if (process.platform !== 'linux') return [];
  for (const candidate of ['/usr/bin/setpriv', '/bin/setpriv']) {
    if (existsSync(candidate)) return [candidate, '--pdeathsig', 'TERM', '--'];
  }
  return [];
}

export interface Jvm {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  spawnError: Promise<Error>;
  /** The tail of what the JVM printed so far: enough to explain a failed start. */
  output(): string;
  /** Once ready, stop collecting output: the emulator's later chatter would only fill memory. */
  stopCollecting(): void;
}

export function spawnJvm(
  java: string,
  dir: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv | undefined },
): Jvm {
  const wrapper = parentDeathWrapper();
  const [command = java, ...commandArgs] = [...wrapper, java, ...args];
  const child = spawn(command, commandArgs, {
    cwd: dir,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group only when the kernel stops it for us (see parentDeathWrapper).
    detached: wrapper.length > 0,
  });
  installExitHook();
  running.add(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    // The emulator is chatty only at start-up.
    output = (output + chunk.toString('utf8')).slice(-8_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  return {
    child,
    exited,
    spawnError,
    output: () => output,
    stopCollecting: () => {
      child.stdout?.removeListener('data', keep);
      child.stderr?.removeListener('data', keep);
      child.stdout?.resume();
      child.stderr?.resume();
    },
  };
}

/** SIGTERM, then SIGKILL after the grace period; idempotent. */
export function jvmStopper(jvm: Jvm, graceMs: number): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= (async () => {
      const { child, exited } = jvm;
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const killed = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, graceMs);
      });
      await Promise.race([exited, killed]);
      await exited;
      clearTimeout(timer);
    })();
    return stopping;
  };
}
