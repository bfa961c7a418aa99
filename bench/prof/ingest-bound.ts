/**
 * `npx tsx bench/prof/ingest-bound.ts` — what bounds the bench's ingest rate. Alternates, each on a
 * fresh DynamoDB Local: ingest as the bench runs it; ingest with the stream consumers (projector,
 * outbox relay) left out of the runtime, a diagnostic only; the raw BatchWriteItem yardstick. For
 * each: events/s, the ingest process's CPU per event and event-loop utilisation, and the
 * emulator's CPU per event and share of a core over the run. ROUNDS (3), N (200) events; BASE=dir
 * alternates another checkout's ingest (an A/B), BARE=0 leaves out the run without consumers,
 * POLLERS=n adds one with n SQS pollers, JVM_B="flags" ingest and raw on emulators with these JVM
 * flags too.
 */
import { startDynamoDbLocal } from '#adapters/local/dynamodb-local.ts';
import { ingestRun } from '../run/ingest.ts';
import { rawBatchWriteRate } from '../run/raw-batch.ts';
import { RAW_EVENTS } from '../run/settings.ts';
import { cpuSeconds } from '../support.ts';

const events = Number(process.env.N ?? 200);
async function measured(
  phase: (
    endpoint: string,
    pid: number,
  ) => Promise<{ rate: number; node?: number; elu?: number; timedJvm?: number }>,
  count: number,
  jvmFlags: string[] = [],
) {
  const ddb = await startDynamoDbLocal({ inMemory: true, log: () => {}, tuning: 'throughput', jvmFlags });
  try {
    const before = await cpuSeconds(ddb.pid);
    const startMs = performance.now();
    const figures = await phase(ddb.endpoint, ddb.pid);
    const wallS = (performance.now() - startMs) / 1000;
    const after = await cpuSeconds(ddb.pid);
    return {
      ...figures,
      jvmMsPerEvent: ((after.jvm - before.jvm) * 1000) / count,
      jvmShare: (after.jvm - before.jvm) / wallS,
    };
  } finally {
    await ddb.stop();
  }
}
const ingest =
  (without: string[], pollers?: number, instance?: string) => async (endpoint: string, pid: number) => {
    const run = await ingestRun(endpoint, 10, events, {
      without,
      jvmPid: pid,
      ...(pollers === undefined ? {} : { pollers }),
      ...(instance === undefined ? {} : { instance }),
    });
    return {
      rate: run.ingestEventsPerSecond,
      node: run.nodeCpuMsPerEvent,
      elu: run.eventLoopUtilization,
      timedJvm: run.jvmCpuMsPerEvent,
    };
  };
const show = (name: string, m: Awaited<ReturnType<typeof measured>>) =>
  `${name} ${m.rate.toFixed(0)}/s` +
  (m.node === undefined ? '' : ` node ${m.node.toFixed(2)} ms/ev, loop ${(100 * (m.elu ?? 0)).toFixed(0)}%`) +
  (m.timedJvm === undefined
    ? ''
    : ` JVM timed ${m.timedJvm.toFixed(2)} ms/ev ≈ ${((m.timedJvm * m.rate) / 10).toFixed(0)}% of a core;`) +
  ` JVM ${m.jvmMsPerEvent.toFixed(2)} ms/ev (whole phase ${(100 * m.jvmShare).toFixed(0)}% of a core)`;
for (let round = 0; round < Number(process.env.ROUNDS ?? 3); round++) {
  const full = await measured(ingest([]), events);
  // BASE: another checkout (its bench/run/ingest-instance.ts must take the same run), alternated.
  const base = process.env.BASE
    ? await measured(ingest([], undefined, `${process.env.BASE}/bench/run/ingest-instance.ts`), events)
    : undefined;
  const bare =
    process.env.BARE === '0'
      ? undefined
      : await measured(ingest(['project-streams', 'publish-events']), events);
  const one = process.env.POLLERS
    ? await measured(ingest([], Number(process.env.POLLERS)), events)
    : undefined;
  const raw = await measured(
    async (endpoint) => ({ rate: await rawBatchWriteRate(endpoint, RAW_EVENTS) }),
    RAW_EVENTS,
  );
  // JVM_B="-XX:…": ingest and raw again on emulators started with these JVM flags (an A/B of flags).
  const jvmB = process.env.JVM_B?.split(' ').filter(Boolean);
  if (jvmB) {
    const ingestB = await measured(ingest([]), events, jvmB);
    const rawB = await measured(
      async (endpoint) => ({ rate: await rawBatchWriteRate(endpoint, RAW_EVENTS) }),
      RAW_EVENTS,
      jvmB,
    );
    console.log(
      `round ${round} JVM_B: ${show('ingest', ingestB)} | ${show('raw', rawB)} | ratio ${(ingestB.rate / rawB.rate).toFixed(3)}`,
    );
  }
  console.log(
    `round ${round}: ${show('ingest', full)} | ${base ? `${show('BASE', base)} | ` : ''}${bare ? `${show('no stream consumers', bare)} |` : ''}${one ? ` ${show(`${process.env.POLLERS} pollers`, one)} |` : ''} ${show('raw', raw)} | ratio ${(full.rate / raw.rate).toFixed(3)}`,
  );
}
process.exit(0);
