/** Ingest through the local SQS: CloudEvents in, events in the store, at a given batch size. */
import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#adapters/local/dynamodb-local.ts';
import { FUNCTIONS } from '#lib/wiring.ts';
import { startLocalRuntime } from '#local/runtime.ts';
import { cpuSeconds, cpuSince } from '../support.ts';
import { WALLETS } from './settings.ts';

/**
 * Events ingested, uncounted, before the timed ones (ingestRateHere): with 200 timed events (the
 * quick bench) a cold emulator and function instance were most of what was measured.
 */
export const INGEST_WARM_UP = 100;

/** The environment variable that hands a child process its run (ingest-instance.ts). */
export const INGEST_RUN_ENV = 'TALLY_BENCH_INGEST_RUN';

/**
 * ingestRateHere in a process of its own. The functions' adapters are built once per process
 * (composition/adapters.ts: one document client per instance, as in Lambda), on the endpoint of the
 * first local runtime the process hosted: run in the bench's process, after the wallet path's
 * runtime, ingest wrote to the wallet path's emulator, not to the fresh one it was given, and its
 * projector and relay followed the fresh table's stream, which got no record. A process of its own
 * is a fresh function instance on the fresh emulator, as every other phase has.
 */
export async function ingestRate(
  endpoint: string,
  batchSize: number,
  events: number,
  warmUp = INGEST_WARM_UP,
): Promise<number> {
  return (await ingestRun(endpoint, batchSize, events, { warmUp })).ingestEventsPerSecond;
}

/** What an ingest process measured over its timed events (ingest-instance.ts). */
export interface IngestRunFigures {
  ingestEventsPerSecond: number;
  /** The ingest process's CPU (it hosts the whole local runtime) per timed event. */
  nodeCpuMsPerEvent: number;
  /** Its event loop's utilisation over the timed events (1: never idle). */
  eventLoopUtilization: number;
  /** The emulator's CPU per timed event, when its process id was given. */
  jvmCpuMsPerEvent?: number;
}

/** What ingestRun may be told besides the run (diagnostics of bench/prof/ingest-bound.ts). */
export interface IngestRunOptions {
  warmUp?: number;
  /** Functions the runtime leaves out (what the stream consumers cost ingest). */
  without?: readonly string[];
  /** The emulator's process: its CPU over the timed events is reported. */
  jvmPid?: number;
  /** SQS pollers of the events queue. */
  pollers?: number;
  /** Another checkout's ingest-instance.ts (an A/B against other code). */
  instance?: string;
}

/** ingestRate with the process's own figures. */
export async function ingestRun(
  endpoint: string,
  batchSize: number,
  events: number,
  options: IngestRunOptions = {},
): Promise<IngestRunFigures> {
  const { warmUp = INGEST_WARM_UP, without = [], jvmPid, pollers } = options;
  const entry = options.instance ?? fileURLToPath(new URL('./ingest-instance.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: dirname(dirname(dirname(entry))),
    env: {
      ...process.env,
      [INGEST_RUN_ENV]: JSON.stringify({ endpoint, batchSize, events, warmUp, without, jvmPid, pollers }),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    out += chunk;
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  // The functions print their metrics (EMF lines) on stdout too: the answer is the last line.
  const answer = out
    .trim()
    .split('\n')
    .findLast((line) => line.startsWith('{"ingestEventsPerSecond"'));
  if (code !== 0 || answer === undefined) throw new Error(`ingest run exited ${code}: ${out.slice(-2000)}`);
  return JSON.parse(answer) as IngestRunFigures;
}

/**
 * CloudEvents through the local SQS into the store, with the ingest trigger's batch size set to
 * `batchSize` (the wiring's is 10): events per second from the first send until the queue is empty.
 * In this process: its first local runtime decides the functions' endpoint (see ingestRate). Each
 * run ingests for wallets of its own, so a process's head and view caches never hold another
 * run's wallets.
 */
export async function ingestRateHere(
  endpoint: string,
  batchSize: number,
  events: number,
  warmUp = 0,
): Promise<number> {
  return (await ingestRunHere(endpoint, batchSize, events, { warmUp })).ingestEventsPerSecond;
}

/** ingestRateHere with this process's CPU and event-loop figures over the timed events. */
export async function ingestRunHere(
  endpoint: string,
  batchSize: number,
  events: number,
  options: Omit<IngestRunOptions, 'instance'> = {},
): Promise<IngestRunFigures> {
  const { warmUp = 0, without = [], jvmPid, pollers } = options;
  const functions = FUNCTIONS.filter((spec) => !without.includes(spec.name)).map((spec) =>
    spec.name !== 'ingest-queue'
      ? spec
      : {
          ...spec,
          triggers: (spec.triggers ?? []).map((trigger) =>
            trigger.kind === 'events-queue' ? { ...trigger, batchSize } : trigger,
          ),
        },
  );
  const runtime = await startLocalRuntime({
    port: 0,
    endpoint,
    tableName: 'bench-wallet',
    logRequests: false,
    log: () => undefined,
    functions,
    ...(pollers === undefined ? {} : { queues: { concurrency: pollers } }),
  });
  try {
    const sqs = new SQSClient({
      endpoint: runtime.sqsEndpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    const send = async (run: string, count: number) => {
      for (let first = 0; first < count; first += 10) {
        const entries = Array.from({ length: Math.min(10, count - first) }, (_, offset) => {
          const i = first + offset;
          return {
            Id: String(offset),
            MessageBody: JSON.stringify({
              specversion: '1.0',
              id: `bench-${run}-${i}`,
              source: 'bench',
              type: i % 2 === 0 ? 'answer_is_liked' : 'trade',
              subject: `ingest-${run}-${i % WALLETS}`,
              time: new Date().toISOString(),
              data: { qty: 10 + (i % 7) },
            }),
          };
        });
        const sent = await sqs.send(
          new SendMessageBatchCommand({ QueueUrl: runtime.eventsQueueUrl, Entries: entries }),
        );
        if ((sent.Failed ?? []).length > 0)
          throw new Error(`local SQS refused ${sent.Failed?.length} messages`);
      }
      await runtime.whenIngested({ timeoutMs: 120_000 });
    };
    const run = `${batchSize}-${Date.now()}`;
    // Uncounted, on wallets of their own: the timed run meets a warm emulator and function
    // instance (as the raw yardstick, whose first of thousands of requests warm it), and the same
    // workload as without (new wallets, then each wallet's second event).
    if (warmUp > 0) await send(`${run}-warm`, warmUp);
    const elu = performance.eventLoopUtilization();
    // This process's CPU, and the emulator's when its pid is known (support.ts cpuSeconds).
    const cpu = await cpuSeconds(jvmPid);
    const startMs = performance.now();
    await send(run, events);
    const seconds = (performance.now() - startMs) / 1000;
    const used = await cpuSince(jvmPid, cpu);
    return {
      ingestEventsPerSecond: events / seconds,
      nodeCpuMsPerEvent: (used.node * 1000) / events,
      eventLoopUtilization: performance.eventLoopUtilization(elu).utilization,
      ...(jvmPid === undefined ? {} : { jvmCpuMsPerEvent: (used.jvm * 1000) / events }),
    };
  } finally {
    await runtime.stop();
  }
}
