/**
 * `npx tsx bench/prof/ingest-ab.ts` — the bench's ingest figure and its yardstick, alternated, each
 * run on a fresh DynamoDB Local (ingest without and with its warm-up), with the emulator's and the ingest process's CPU per event (CPU
 * per event moves less with the machine's load than the rates do). ROUNDS (2), N (200) events.
 */
import { startDynamoDbLocal } from '#adapters/local/dynamodb-local.ts';
import { ingestRate } from '../run/ingest.ts';
import { rawBatchWriteRate } from '../run/raw-batch.ts';
import { RAW_EVENTS } from '../run/settings.ts';
import { cpuSeconds } from '../support.ts';

const events = Number(process.env.N ?? 200);
async function measured(phase: (endpoint: string) => Promise<number>, count: number) {
  const ddb = await startDynamoDbLocal({ inMemory: true, log: () => {}, tuning: 'throughput' });
  try {
    const before = await cpuSeconds(ddb.pid);
    const rate = await phase(ddb.endpoint);
    const after = await cpuSeconds(ddb.pid);
    return { rate, jvmMsPerEvent: ((after.jvm - before.jvm) * 1000) / count };
  } finally {
    await ddb.stop();
  }
}
for (let round = 0; round < Number(process.env.ROUNDS ?? 2); round++) {
  const cold = await measured((endpoint) => ingestRate(endpoint, 10, events, 0), events);
  const ingest = await measured((endpoint) => ingestRate(endpoint, 10, events), events);
  const raw = await measured((endpoint) => rawBatchWriteRate(endpoint, RAW_EVENTS), RAW_EVENTS);
  console.log(
    `round ${round}: cold ingest ${cold.rate.toFixed(0)}/s (ratio ${(cold.rate / raw.rate).toFixed(3)}); warm ingest ${ingest.rate.toFixed(0)}/s (JVM ${ingest.jvmMsPerEvent.toFixed(2)} ms/event), ` +
      `raw ${raw.rate.toFixed(0)}/s (JVM ${raw.jvmMsPerEvent.toFixed(2)} ms/event), ratio ${(ingest.rate / raw.rate).toFixed(3)}`,
  );
}
process.exit(0);
