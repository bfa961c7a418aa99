import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { forgetEmulator, rememberEmulator, waitForPreviousEmulator } from './emulator-lock.ts';
import { emulatorPort, listensOn, portIsFree } from './emulator-port.ts';
import { type Jvm, jvmStopper, spawnJvm } from './jvm-process.ts';

/**
 * DynamoDB Local (Amazon's emulator, a Java program) for the local runtime and the tests.
 *
 * The emulator ships inside the npm package `amplify-dynamodb-simulator`; installing that package
 * would drag in ~300 MB of unrelated dependencies, so we `npm pack` its tarball once and keep only
 * its `package/emulator` folder in a per-user cache outside the repository.
 */
export const DYNAMODB_LOCAL_VERSION = '1.25.1';
export const SIMULATOR_PACKAGE = 'amplify-dynamodb-simulator@2.9.30';
export const JAVA_MAJOR_MIN = 17;

/** DynamoDB Local keeps tables per access key and region; every local client uses these. */
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_CREDENTIALS = { accessKeyId: 'tallylocal', secretAccessKey: 'tallylocal' } as const;

const execFileAsync = promisify(execFile);

export class DynamoDbLocalError extends Error {
  override readonly name = 'DynamoDbLocalError';
}

/**
 * Where the emulator lives: `$TALLY_CACHE_DIR/dynamodb-local-<version>`, else
 * `$XDG_CACHE_HOME/tally/…`, else `~/.cache/tally/…`. The version is in the folder name so a
 * version bump never runs a stale copy.
 */
export function emulatorDir(env: NodeJS.ProcessEnv = process.env): string {
  const root =
    env.TALLY_CACHE_DIR ||
    (env.XDG_CACHE_HOME ? path.join(env.XDG_CACHE_HOME, 'tally') : path.join(homedir(), '.cache', 'tally'));
  return path.join(path.resolve(root), `dynamodb-local-${DYNAMODB_LOCAL_VERSION}`);
}

const isInstalled = (dir: string): boolean => existsSync(path.join(dir, 'DynamoDBLocal.jar'));

/**
 * The npm that is running us (`npm start`, `npx vitest` set `npm_execpath`), so a user with
 * several node installations fetches with the one they chose; plain `npm` otherwise.
 */
function npmCommand(env: NodeJS.ProcessEnv): { file: string; prefix: string[] } {
  const execPath = env.npm_execpath;
  // pnpm and yarn set npm_execpath to themselves and take other arguments for `pack`.
  if (execPath && /npm(-cli)?\.[cm]?js$/.test(path.basename(execPath))) {
    return { file: process.execPath, prefix: [execPath] };
  }
  return { file: process.platform === 'win32' ? 'npm.cmd' : 'npm', prefix: [] };
}

/**
 * Makes sure the emulator is in the cache and returns its folder. Safe to call from several
 * processes at once: each one unpacks into its own temporary folder next to the target and renames
 * it into place; rename is atomic, and a loser (EEXIST/ENOTEMPTY) finds the winner's copy.
 */
export async function ensureDynamoDbLocal(
  options: { dir?: string; env?: NodeJS.ProcessEnv; log?: (line: string) => void } = {},
): Promise<string> {
  const env = options.env ?? process.env;
  const dir = options.dir ?? emulatorDir(env);
  if (isInstalled(dir)) return dir;

  const parent = path.dirname(dir);
  await mkdir(parent, { recursive: true });
  // Same parent folder as the target, so the final rename never crosses a file system.
  const work = await mkdtemp(path.join(parent, `.${path.basename(dir)}.tmp-`));
  try {
    options.log?.(`Fetching DynamoDB Local ${DYNAMODB_LOCAL_VERSION} (${SIMULATOR_PACKAGE}) into ${dir} …`);
    const npm = npmCommand(env);
    try {
      await execFileAsync(npm.file, [...npm.prefix, 'pack', SIMULATOR_PACKAGE, '--pack-destination', work], {
        env,
        timeout: 5 * 60_000,
        maxBuffer: 16 * 1024 * 1024,
      });
    } catch (error) {
      throw new DynamoDbLocalError(
        `could not fetch ${SIMULATOR_PACKAGE} with npm pack (is the npm registry reachable?): ${describe(error)}`,
      );
    }
    const tarball = (await readdir(work)).find((name) => name.endsWith('.tgz'));
    if (tarball === undefined)
      throw new DynamoDbLocalError(`npm pack ${SIMULATOR_PACKAGE} produced no tarball`);
    try {
      await execFileAsync('tar', ['-xzf', path.join(work, tarball), '-C', work, 'package/emulator'], {
        timeout: 2 * 60_000,
      });
    } catch (error) {
      throw new DynamoDbLocalError(`could not unpack ${tarball}: ${describe(error)}`);
    }
    const unpacked = path.join(work, 'package', 'emulator');
    if (!isInstalled(unpacked)) {
      throw new DynamoDbLocalError(`${tarball} has no package/emulator/DynamoDBLocal.jar`);
    }
    try {
      await rename(unpacked, dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Another process renamed its copy into place first: theirs is complete, use it.
      if (!((code === 'EEXIST' || code === 'ENOTEMPTY') && isInstalled(dir))) throw error;
    }
    return dir;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const JAVA_INSTALL_HINT =
  `DynamoDB Local needs Java ${JAVA_MAJOR_MIN} or newer. On Debian/Ubuntu: ` +
  `sudo apt-get install openjdk-${JAVA_MAJOR_MIN}-jre-headless (macOS: brew install openjdk@${JAVA_MAJOR_MIN}).`;

/** `$JAVA_HOME/bin/java` when JAVA_HOME is set (the usual way to pick a JDK), else `java` on PATH. */
export function javaCommand(env: NodeJS.ProcessEnv = process.env): string {
  return env.JAVA_HOME ? path.join(env.JAVA_HOME, 'bin', 'java') : 'java';
}

/** Checks that a usable Java is installed; throws a DynamoDbLocalError that says how to get one. */
export async function checkJava(java: string = javaCommand()): Promise<{ major: number; banner: string }> {
  let output: string;
  try {
    const result = await execFileAsync(java, ['-version'], { timeout: 30_000 });
    output = `${result.stderr}${result.stdout}`;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DynamoDbLocalError(`Java was not found (${java}). ${JAVA_INSTALL_HINT}`);
    throw new DynamoDbLocalError(`\`${java} -version\` failed: ${describe(error)}. ${JAVA_INSTALL_HINT}`);
  }
  const banner = output.split('\n')[0]?.trim() ?? '';
  // `openjdk version "17.0.15"`, `java version "1.8.0_391"` (Java 8 and older say 1.x).
  const match = /version "(\d+)(?:\.(\d+))?/.exec(output);
  const first = Number(match?.[1] ?? Number.NaN);
  const major = first === 1 ? Number(match?.[2] ?? Number.NaN) : first;
  if (!Number.isInteger(major)) {
    throw new DynamoDbLocalError(`could not read the Java version from "${banner}". ${JAVA_INSTALL_HINT}`);
  }
  if (major < JAVA_MAJOR_MIN) {
    throw new DynamoDbLocalError(`${banner} is too old. ${JAVA_INSTALL_HINT}`);
  }
  return { major, banner };
}

export interface DynamoDbLocalOptions {
  /** A fixed port, or 'any' for a free one. @default 'any' */
  port?: number | 'any';
  /** Keep nothing on disk. Ignored when dbPath is given. @default true when dbPath is absent */
  inMemory?: boolean;
  /** Folder for the database file (created if missing). */
  dbPath?: string;
  /** How long to wait for the first ListTables answer (a loaded 2-core machine has needed 30 s). @default 60 000 */
  startTimeoutMs?: number;
  /** Grace period between SIGTERM and SIGKILL in stop(). @default 3 000 */
  stopGraceMs?: number;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** `fast-start` (C1 only, serial GC) for development and tests; `throughput` for benchmarks. @default 'fast-start' */
  tuning?: 'fast-start' | 'throughput';
  /** More JVM flags, after the tuning's (profiles try GC and JIT settings: bench/prof/hot-prof.ts). */
  jvmFlags?: readonly string[];
  /** More DynamoDB Local flags, after ours. */
  emulatorFlags?: readonly string[];
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  pid: number;
  /** Settles when the JVM exits, for whatever reason (stop(), a crash, a kill from outside). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Stops the JVM: SIGTERM, then SIGKILL after the grace period. Idempotent. */
  stop(): Promise<void>;
}

/** Starts DynamoDB Local and resolves once it answers ListTables. */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const env = options.env ?? process.env;
  const java = javaCommand(env);
  await checkJava(java);
  const dir = await ensureDynamoDbLocal({ env, ...(options.log ? { log: options.log } : {}) });
  if (options.dbPath !== undefined) {
    await mkdir(options.dbPath, { recursive: true });
    await waitForPreviousEmulator(options.dbPath, options.log ? { log: options.log } : {});
  }

  const wanted = options.port ?? 'any';
  // A free port can be taken between our probe and the JVM's bind; try a few fresh ones.
  const attempts = wanted === 'any' ? 3 : 1;
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const port = wanted === 'any' ? await emulatorPort() : wanted;
    // A fixed port (a restart's) that something else holds now: say so, rather than start a JVM
    // that cannot bind while the other program answers our probe.
    if (!(await portIsFree(port))) {
      lastError = new PortTakenError(`port ${port} is in use by another program`);
      continue;
    }
    try {
      return await launch(java, dir, port, options);
    } catch (error) {
      lastError = error;
      if (!(error instanceof PortTakenError)) throw error;
    }
  }
  throw lastError;
}

class PortTakenError extends DynamoDbLocalError {}

async function launch(
  java: string,
  dir: string,
  port: number,
  options: DynamoDbLocalOptions,
): Promise<DynamoDbLocal> {
  const jvm = spawnJvm(java, dir, jvmArgs(dir, port, options), options);
  const endpoint = `http://127.0.0.1:${port}`;
  const stopJvm = jvmStopper(jvm, options.stopGraceMs ?? 3_000);
  const { dbPath } = options;
  const pid = jvm.child.pid ?? -1;
  const stop = async () => {
    await stopJvm();
    if (dbPath !== undefined) await forgetEmulator(dbPath, pid);
  };
  try {
    if (dbPath !== undefined && pid > 0) await rememberEmulator(dbPath, pid);
    await waitUntilAnswering(jvm, {
      java,
      endpoint,
      port,
      pid,
      startTimeoutMs: options.startTimeoutMs ?? 60_000,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  jvm.stopCollecting();
  options.log?.(`DynamoDB Local ${DYNAMODB_LOCAL_VERSION} answers on ${endpoint} (pid ${jvm.child.pid})`);
  return { endpoint, port, pid, exited: jvm.exited, stop };
}

function jvmArgs(dir: string, port: number, options: DynamoDbLocalOptions): string[] {
  return [
    // Serial GC and C1 only: DynamoDB Local is small and short-lived; this starts ~15% faster.
    // Benchmarks ask for the full JIT instead, which a long run repays.
    ...(options.tuning === 'throughput' ? [] : ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1']),
    ...(options.jvmFlags ?? []),
    `-Djava.library.path=${path.join(dir, 'DynamoDBLocal_lib')}`,
    '-jar',
    path.join(dir, 'DynamoDBLocal.jar'),
    '-port',
    String(port),
    '-disableTelemetry',
    // One database for every access key and region, so a developer's own AWS CLI profile sees
    // the same tables as the runtime (otherwise tables are per key id + region).
    '-sharedDb',
    ...(options.dbPath !== undefined ? ['-dbPath', options.dbPath] : ['-inMemory']),
    ...(options.emulatorFlags ?? []),
  ];
}

/** Polls until the emulator answers; fails at once if the JVM exits or cannot start. */
async function waitUntilAnswering(
  jvm: Jvm,
  target: { java: string; endpoint: string; port: number; pid: number; startTimeoutMs: number },
): Promise<void> {
  const client = new DynamoDBClient({
    endpoint: target.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
    // The JVM accepts connections before it can answer; a slow first answer is just "not yet".
    requestHandler: { requestTimeout: 2_000, connectionTimeout: 500, throwOnRequestTimeout: true },
  });
  const deadline = Date.now() + target.startTimeoutMs;
  try {
    for (;;) {
      const early = await Promise.race([
        jvm.exited.then((exit) => ({ kind: 'exited' as const, exit })),
        jvm.spawnError.then((error) => ({ kind: 'error' as const, error })),
        client.send(new ListTablesCommand({ Limit: 1 })).then(
          () => ({ kind: 'ready' as const }),
          () => ({ kind: 'not-yet' as const }),
        ),
      ]);
      // An answer counts only from our JVM: another program on the port is "not yet", and our
      // JVM then exits with a BindException, reported below as the port being taken.
      if (early.kind === 'ready' && (await listensOn(target.pid, target.port)) !== false) return;
      if (early.kind === 'error') {
        throw new DynamoDbLocalError(`could not start ${target.java}: ${early.error.message}`);
      }
      if (early.kind === 'exited') {
        const how = early.exit.signal ? `signal ${early.exit.signal}` : `code ${early.exit.code}`;
        const message = `DynamoDB Local exited with ${how} before it answered:\n${jvm.output().trim()}`;
        throw /Address already in use|BindException/.test(jvm.output())
          ? new PortTakenError(`port ${target.port} is in use. ${message}`)
          : new DynamoDbLocalError(message);
      }
      if (Date.now() > deadline) {
        throw new DynamoDbLocalError(
          `DynamoDB Local did not answer on ${target.endpoint} within ${target.startTimeoutMs} ms:\n${jvm.output().trim()}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    client.destroy();
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    const tail = typeof stderr === 'string' && stderr.trim() ? `\n${stderr.trim().slice(-2_000)}` : '';
    return `${error.message.split('\n')[0]}${tail}`;
  }
  return String(error);
}
