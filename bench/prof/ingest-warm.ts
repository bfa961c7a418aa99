/**
 * `npx tsx bench/prof/ingest-warm.ts` — ingest and the raw BatchWriteItem yardstick alternated on ONE
 * DynamoDB Local, ROUNDS (3) times: how both rates, their ratio and the emulator's CPU per event
 * (the JIT compiler's threads apart) move as its JIT warms up. The bench runs each phase on a
 * fresh emulator, so it measures round 0. N (300) ingested events a round (after INGEST_WARM_UP),
 * RAW (2000) raw items; JVM_FLAGS extra emulator JVM flags.
 */
import { startDynamoDbLocal } from '#adapters/local/dynamodb-local.ts';
import { INGEST_WARM_UP, ingestRun } from '../run/ingest.ts';
import { rawBatchWriteRate } from '../run/raw-batch.ts';
import { threadCpu } from '../support.ts';

const N = Number(process.env.N ?? 300);
const RAW = Number(process.env.RAW ?? 2000);
const ddb = await startDynamoDbLocal({
  inMemory: true,
  log: () => {},
  tuning: 'throughput',
  jvmFlags: (process.env.JVM_FLAGS ?? '').split(' ').filter(Boolean),
});
/** The emulator's CPU seconds so far: its JIT compiler threads, and all the others. */
async function jvmCpu(): Promise<{ jit: number; other: number }> {
  const cpu = { jit: 0, other: 0 };
  for (const { kind, s } of (await threadCpu(ddb.pid)).values())
    if (kind.includes('CompilerThre')) cpu.jit += s;
    else cpu.other += s;
  return cpu;
}
async function phase(run: () => Promise<number>, count: number) {
  const before = await jvmCpu();
  const rate = await run();
  const after = await jvmCpu();
  const per = (s: number) => ((s * 1000) / count).toFixed(2);
  return {
    rate,
    text: `${rate.toFixed(0)}/s, JVM ${per(after.other - before.other)} ms/ev + JIT ${per(after.jit - before.jit)}`,
  };
}
try {
  for (let round = 0; round < Number(process.env.ROUNDS ?? 3); round++) {
    const ingest = await phase(
      async () => (await ingestRun(ddb.endpoint, 10, N)).ingestEventsPerSecond,
      N + INGEST_WARM_UP,
    );
    const raw = await phase(() => rawBatchWriteRate(ddb.endpoint, RAW), RAW);
    console.log(
      `round ${round}: ingest ${ingest.text} | raw ${raw.text} | ratio ${(ingest.rate / raw.rate).toFixed(3)}`,
    );
  }
} finally {
  await ddb.stop();
}
process.exit(0);
