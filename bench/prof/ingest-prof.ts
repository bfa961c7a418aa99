/**
 * `npx tsx bench/prof/ingest-prof.ts` — where ingest's time goes: runs `npm run bench`'s ingest
 * scenario (bench/run/ingest.ts, SQS batches of 10) twice and prints the events per second, the
 * process's event-loop utilisation and CPU share, and the DynamoDB requests per event by command,
 * split between the stream consumers (projector, outbox relay) and everything else (ingest), with
 * their mean latency. Then the raw BatchWriteItem rate, as the bench compares them. N=200 events.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { observeClients } from '#adapters/dynamodb/client.ts';
import { startDynamoDbLocal } from '#adapters/local/dynamodb-local.ts';
import { ShardPipeline } from '#local/stream-pipeline.ts';
import { ingestRateHere as ingestRate } from '../run/ingest.ts';
import { rawBatchWriteRate } from '../run/raw-batch.ts';

type Tally = Map<string, { requests: number; items: number; ms: number }>;
const streams = new AsyncLocalStorage<true>();
const tallies = { stream: new Map() as Tally, ingest: new Map() as Tally };
observeClients((client) => {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const tally = streams.getStore() ? tallies.stream : tallies.ingest;
      const command = (context.commandName ?? '?').replace(/Command$/, '');
      const row = tally.get(command) ?? { requests: 0, items: 0, ms: 0 };
      tally.set(command, row);
      row.requests++;
      row.items += (args.input as { TransactItems?: unknown[] }).TransactItems?.length ?? 0;
      const startMs = performance.now();
      try {
        return await next(args);
      } finally {
        row.ms += performance.now() - startMs;
      }
    },
    { step: 'initialize', name: 'ingestProfile', priority: 'low' },
  );
});
// Whatever a shard's deliveries call runs in the stream context.
const push = ShardPipeline.prototype.push;
ShardPipeline.prototype.push = function (this: ShardPipeline, ...args: Parameters<typeof push>) {
  return streams.run(true, () => push.apply(this, args));
};
const show = (events: number) =>
  Object.entries(tallies)
    .map(
      ([who, tally]) =>
        `${who}: ${[...tally]
          .map(
            ([command, row]) =>
              `${command} ${(row.requests / events).toFixed(2)}×${(row.ms / row.requests).toFixed(0)}ms` +
              (row.items ? ` ${(row.items / row.requests).toFixed(0)} items` : ''),
          )
          .join(', ')}`,
    )
    .join(' | ');

const ddb = await startDynamoDbLocal({ inMemory: true, log: () => {}, tuning: 'throughput' });
try {
  const events = Number(process.env.N ?? 200);
  await ingestRate(ddb.endpoint, 10, 50);
  for (let round = 0; round < 2; round++) {
    for (const tally of Object.values(tallies)) tally.clear();
    const elu = performance.eventLoopUtilization();
    const cpu = process.cpuUsage();
    const startMs = performance.now();
    const rate = await ingestRate(ddb.endpoint, 10, events);
    const wallMs = performance.now() - startMs;
    const busy = performance.eventLoopUtilization(elu).utilization;
    const used = process.cpuUsage(cpu);
    console.log(
      `ingest ${rate.toFixed(0)}/s; event loop ${(busy * 100).toFixed(0)}% busy, CPU ${(((used.user + used.system) / 1000 / wallMs) * 100).toFixed(0)}%; per event: ${show(events)}`,
    );
  }
  console.log(`raw BatchWriteItem ${(await rawBatchWriteRate(ddb.endpoint, 2000)).toFixed(0)}/s`);
} finally {
  await ddb.stop();
}
