/**
 * `npx tsx bench/prof/fresh-cost.ts` — what each request a fresh hot-wallet producer sends costs,
 * on a warmed DynamoDB Local, one at a time: JVM and Node CPU and wall ms per request for the
 * first read (headAndLanes' Query), a GetItem, a conditional PutItem, a lost PutItem, a lane
 * opening (two-item TransactWriteItems), and a new client's first request (Node's side of "fresh").
 */
import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '#adapters/dynamodb/client.ts';
import { headAndLanes } from '#adapters/dynamodb/head-and-lanes.ts';
import { registerLane } from '#adapters/dynamodb/table-layout/lanes-item.ts';
import { cpuSeconds, cpuSince } from '../support.ts';
import { emulatorWithTable, eventPut } from './event-puts.ts';

const N = Number(process.env.N ?? 300);
const log = (line: string) => process.stderr.write(`${line}\n`);
const table = 'fresh-cost';
const { ddb, client } = await emulatorWithTable(table);
const item = (walletId: string, lane: number, version: number) =>
  eventPut(table, { walletId, lane, version });
const shapes: Record<string, (i: number) => Promise<unknown>> = {
  query: (i) => headAndLanes(client, table, `w-${i % 50}`, async () => ({ version: 0, hash: '' })),
  get: (i) =>
    client.send(new GetCommand({ TableName: table, Key: { pk: `WALLET#w-${i % 50}`, sk: 'LANES' } })),
  put: (i) => client.send(new PutCommand(item(`p-${i}`, 0, 1))),
  lostPut: (i) => client.send(new PutCommand(item(`w-${i % 50}`, 0, 1))).catch(() => undefined),
  openLane: (i) =>
    client.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: item(`o-${i}`, 33, 1) },
          { Update: { TableName: table, ...registerLane(`o-${i}`, 33) } },
        ],
      }),
    ),
  newClient: () =>
    createDocumentClient({ endpoint: ddb.endpoint }).send(
      new GetCommand({ TableName: table, Key: { pk: 'HEALTH', sk: 'HEALTH' } }),
    ),
};
try {
  for (let i = 0; i < 50; i++) await client.send(new PutCommand(item(`w-${i}`, 0, 1)));
  for (let pass = 0; pass < 3; pass++) {
    for (const [name, run] of Object.entries(shapes)) {
      const cpu = await cpuSeconds(ddb.pid);
      const t0 = performance.now();
      for (let i = 0; i < N; i++) await run(pass * N + i);
      const ms = (performance.now() - t0) / N;
      const used = await cpuSince(ddb.pid, cpu);
      if (pass > 0)
        log(
          `pass ${pass} ${name.padEnd(9)} ${ms.toFixed(2)} ms wall, jvm ${((used.jvm / N) * 1000).toFixed(2)} ms, node ${((used.node / N) * 1000).toFixed(2)} ms per request`,
        );
    }
  }
} finally {
  await ddb.stop();
}
