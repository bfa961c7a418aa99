/**
 * One ingest run in a process of its own (bench/run/ingest.ts `ingestRate` starts it): reads its
 * run from the environment, prints `{"ingestEventsPerSecond": …}` as its last stdout line.
 */
import * as z from 'zod/mini';
import { INGEST_RUN_ENV, ingestRateHere } from './ingest.ts';

const run = z
  .object({ endpoint: z.string(), batchSize: z.number(), events: z.number(), warmUp: z.number() })
  .parse(JSON.parse(process.env[INGEST_RUN_ENV] ?? 'null'));
const ingestEventsPerSecond = await ingestRateHere(run.endpoint, run.batchSize, run.events, run.warmUp);
console.log(JSON.stringify({ ingestEventsPerSecond }));
process.exit(0);
