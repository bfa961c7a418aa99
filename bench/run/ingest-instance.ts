/**
 * One ingest run in a process of its own (bench/run/ingest.ts `ingestRate` starts it): reads its
 * run from the environment, prints `{"ingestEventsPerSecond": …}` as its last stdout line.
 */
import * as z from 'zod/mini';
import { INGEST_RUN_ENV, ingestRunHere } from './ingest.ts';

const run = z
  .object({
    endpoint: z.string(),
    batchSize: z.number(),
    events: z.number(),
    warmUp: z.number(),
    without: z.optional(z.array(z.string())),
    jvmPid: z.optional(z.number()),
    pollers: z.optional(z.number()),
  })
  .parse(JSON.parse(process.env[INGEST_RUN_ENV] ?? 'null'));
const { endpoint, batchSize, events, ...options } = run;
const figures = await ingestRunHere(endpoint, batchSize, events, options);
console.log(JSON.stringify(figures));
process.exit(0);
