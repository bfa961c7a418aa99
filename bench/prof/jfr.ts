/**
 * `PHASES=ingest,raw,deposits,idle npx tsx bench/prof/jfr.ts` — where DynamoDB Local spends its CPU,
 * by Java Flight Recorder, for each phase named (default: all four), each on a fresh emulator:
 * ingest as the bench runs it (N events, default 200, after the warm-up), the raw BatchWriteItem
 * yardstick, N sequential deposits by one producer (recordDeposit, no HTTP), and IDLE_S (10) seconds
 * of an idle local runtime (its pollers and jobs alone). For each: the emulator's CPU per event,
 * by thread kind (the JIT compiler's apart), then the samples by what they were doing (the SQLite
 * job, else the request kind) and their own methods (top frames, TOP rows, 25). The
 * recordings stay in /tmp/jfr-<phase>.jfr for `jfr print`. JVM_FLAGS adds emulator JVM flags, JFC a
 * settings file instead of `profile` (e.g. one with a 1 ms sampling period); a PHASES entry
 * ending in .jfr reports that recording; warm-<phase> runs the
 * phase WARM_RUNS (1) times unrecorded first.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { randomIds, systemClock } from '#adapters/clock.ts';
import { createDocumentClient } from '#adapters/dynamodb/client.ts';
import { DynamoEventStore } from '#adapters/dynamodb/event-store.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from '#adapters/local/dynamodb-local.ts';
import { recordDeposit } from '#app/deposit.ts';
import { HeadCache } from '#app/head-cache.ts';
import { startLocalRuntime } from '#local/runtime.ts';
import { ensureTable } from '#local/table.ts';
import { ingestRun } from '../run/ingest.ts';
import { rawBatchWriteRate } from '../run/raw-batch.ts';
import { RAW_EVENTS } from '../run/settings.ts';
import { cpuSeconds, threadCpu } from '../support.ts';

const run = promisify(execFile);
const N = Number(process.env.N ?? 200);
const TOP = Number(process.env.TOP ?? 25);
const IDLE_S = Number(process.env.IDLE_S ?? 10);

type Frame = { method: { type: { name: string }; name: string } };
type Sample = { values: { stackTrace: { frames: Frame[]; truncated: boolean } } };

/**
 * DynamoDB Local 1.25.1 runs every storage operation as a job on its one SQLite thread; the jobs are
 * anonymous classes of SQLiteDBAccess, named here by the method that encloses them (`javap -v`,
 * EnclosingMethod).
 */
const SQLITE_JOBS: Record<string, string> = {
  SQLiteDBAccess$17: 'sqlite: putRecord (an item written, with its stream record)',
  SQLiteDBAccess$25: 'sqlite: getTableInfo (the table and stream description, parsed from JSON)',
  SQLiteDBAccess$20: 'sqlite: queryRecords',
  SQLiteDBAccess$15: 'sqlite: getStreamRecords',
  SQLiteDBAccess$14: 'sqlite: getRecord (the old item a condition reads)',
};

/** What a sample was doing: the SQLite job it ran, else the request it served (its dispatcher). */
function kindOf(names: readonly string[]): string {
  for (const name of names) {
    const job = Object.keys(SQLITE_JOBS).find((key) => name.startsWith(`${key}.`));
    if (job) return SQLITE_JOBS[job] as string;
  }
  if (names.some((name) => name.startsWith('AmazonDynamoDBOfflineSQLiteJob.'))) return 'sqlite: other jobs';
  const dispatcher = names.find((name) => name.endsWith('Dispatcher.enact'));
  if (dispatcher) return `request: ${dispatcher.replace('Dispatcher.enact', '')}`;
  if (names.some((name) => name.startsWith('LocalDynamoDBServerHandler.')))
    return 'request: HTTP and JSON outside a dispatcher';
  return 'other (connections, JFR, VM)';
}

async function record(name: string, body: (endpoint: string, pid: number) => Promise<number>, warm: boolean) {
  const ddb = await startDynamoDbLocal({
    inMemory: true,
    log: () => {},
    tuning: 'throughput',
    jvmFlags: [
      '-XX:FlightRecorderOptions:stackdepth=256',
      ...(process.env.JVM_FLAGS ?? '').split(' ').filter(Boolean),
    ],
  });
  const file = `/tmp/jfr-${name}.jfr`;
  try {
    // warm-<phase>: the phase once, unrecorded, first: the emulator's JIT has compiled its paths.
    if (warm) for (let i = 0; i < Number(process.env.WARM_RUNS ?? 1); i++) await body(ddb.endpoint, ddb.pid);
    await run('jcmd', [
      String(ddb.pid),
      'JFR.start',
      `settings=${process.env.JFC ?? 'profile'}`,
      `filename=${file}`,
      'name=p',
    ]);
    const threadsBefore = await threadCpu(ddb.pid);
    const before = await cpuSeconds(ddb.pid);
    const startMs = performance.now();
    const count = await body(ddb.endpoint, ddb.pid);
    const wallS = (performance.now() - startMs) / 1000;
    const after = await cpuSeconds(ddb.pid);
    const threadsAfter = await threadCpu(ddb.pid);
    await run('jcmd', [String(ddb.pid), 'JFR.stop', 'name=p']);
    const jvm = after.jvm - before.jvm;
    console.log(
      `\n## ${name}: ${count} events in ${wallS.toFixed(1)} s; JVM ${jvm.toFixed(2)} s CPU = ${((jvm * 1000) / count).toFixed(2)} ms/event (${((100 * jvm) / wallS).toFixed(0)}% of a core)`,
    );
    console.log('### JVM CPU by thread (ms/event)');
    const byKind = new Map<string, number>();
    for (const [tid, t] of threadsAfter) {
      const used = t.s - (threadsBefore.get(tid)?.s ?? 0);
      byKind.set(t.kind, (byKind.get(t.kind) ?? 0) + used);
    }
    for (const [kind, s] of [...byKind].sort((a, b) => b[1] - a[1]).filter(([, s]) => s > 0))
      console.log(`${((s * 1000) / count).toFixed(2).padStart(7)} ${kind}`);
  } finally {
    await ddb.stop();
  }
  await report(file);
}

/** The recording's samples: own methods (top frames), and what they were doing (kindOf). */
export async function report(file: string) {
  const { stdout } = await run(
    'jfr',
    ['print', '--json', '--stack-depth', '256', '--events', 'jdk.ExecutionSample', file],
    { maxBuffer: 1 << 30 },
  );
  const samples = (JSON.parse(stdout) as { recording: { events: Sample[] } }).recording.events;
  const self = new Map<string, number>();
  const kinds = new Map<string, number>();
  for (const sample of samples) {
    const names = (sample.values.stackTrace?.frames ?? []).map(
      (f) => `${f.method.type.name.split('/').at(-1)}.${f.method.name}`,
    );
    const top = names[0] ?? '?';
    self.set(top, (self.get(top) ?? 0) + 1);
    const kind = kindOf(names);
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  const pct = (n: number) => `${((100 * n) / samples.length).toFixed(1)}%`.padStart(6);
  console.log(`${samples.length} samples (JIT compiler threads are not sampled)\n### doing`);
  for (const [kind, n] of [...kinds].sort((a, b) => b[1] - a[1])) console.log(`${pct(n)} ${kind}`);
  console.log('### own methods');
  for (const [m, n] of [...self].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`${pct(n)} ${m}`);
}

const phases: Record<string, (endpoint: string, pid: number) => Promise<number>> = {
  ingest: async (endpoint) => {
    await ingestRun(endpoint, 10, N, { warmUp: 100 });
    return N + 100;
  },
  raw: async (endpoint) => {
    await rawBatchWriteRate(endpoint, RAW_EVENTS);
    return RAW_EVENTS;
  },
  deposits: async (endpoint) => {
    const table = 'jfr-deposits';
    await ensureTable(
      new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
      table,
    );
    const deps = {
      store: new DynamoEventStore(createDocumentClient({ endpoint }), table),
      clock: systemClock,
      ids: randomIds,
      heads: new HeadCache(),
    };
    for (let i = 0; i < N; i++)
      await recordDeposit(deps, {
        walletId: 'jfr-hot',
        amountMinor: 100n,
        respond: () => ({ statusCode: 201, body: '{}' }),
      });
    return N;
  },
  idle: async (endpoint) => {
    const runtime = await startLocalRuntime({ endpoint, port: 0, log: () => {}, logRequests: false });
    await new Promise((r) => setTimeout(r, IDLE_S * 1000));
    await runtime.stop();
    return IDLE_S;
  },
};
const chosen = process.env.PHASES ? process.env.PHASES.split(',') : Object.keys(phases);
for (const name of chosen) {
  if (name.endsWith('.jfr')) await report(name);
  else {
    const phase = phases[name.replace(/^warm-/, '')];
    if (phase === undefined) throw new Error(`no phase ${name}`);
    await record(name, phase, name.startsWith('warm-'));
  }
}
process.exit(0);
