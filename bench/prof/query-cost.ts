/**
 * `npx tsx bench/prof/query-cost.ts` — what DynamoDB Local charges for a lane-head read (the newest
 * event of a lane: a reverse Query with Limit 1) by the partition's size and the key condition's
 * shape: `begins_with(sk, :prefix)` (what the event store sent) against `sk BETWEEN :first AND
 * :last` over the same sort keys. After a warm-up; JVM CPU and wall ms per query. SIZES (1,100,1000)
 * events in the partition, Q (300) queries per cell, JVM_FLAGS extra emulator flags.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '#adapters/dynamodb/client.ts';
import { eventHash } from '#adapters/dynamodb/event-hash.ts';
import { toEventItem } from '#adapters/dynamodb/table-layout/event-item.ts';
import { lanePk, laneSkPrefix, VERSION_DIGITS } from '#adapters/dynamodb/table-layout/keys.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from '#adapters/local/dynamodb-local.ts';
import { forEachLimited } from '#app/jobs.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import { ensureTable } from '#local/table.ts';
import { batchWrite, cpuSeconds, cpuSince } from '../support.ts';

const SIZES = (process.env.SIZES ?? '1,100,1000').split(',').map(Number);
const Q = Number(process.env.Q ?? 300);
const ddb = await startDynamoDbLocal({
  inMemory: true,
  log: () => {},
  tuning: 'throughput',
  jvmFlags: (process.env.JVM_FLAGS ?? '').split(' ').filter(Boolean),
});
const table = 'query-cost';
await ensureTable(
  new DynamoDBClient({ endpoint: ddb.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
  table,
);
const client = createDocumentClient({ endpoint: ddb.endpoint });
for (const size of SIZES) {
  const items = Array.from({ length: size }, (_, i) => {
    const event: RecordedEvent = {
      type: 'Deposited',
      data: { amountMinor: 100n, occurredAtMs: Date.now() },
      walletId: `q-${size}`,
      lane: 0,
      version: i + 1,
      eventId: `q-${size}-${i}`,
      recordedAtMs: Date.now(),
    };
    return toEventItem(event, '', eventHash('', event));
  });
  const chunks = Array.from({ length: Math.ceil(size / 25) }, (_, i) => items.slice(i * 25, i * 25 + 25));
  await forEachLimited(chunks, 4, (chunk) => batchWrite(client, table, chunk));
}
const prefix = laneSkPrefix(0);
const shapes = {
  begins_with: (walletId: string) => ({
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': lanePk(walletId, 0), ':prefix': prefix },
  }),
  between: (walletId: string) => ({
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :first AND :last',
    ExpressionAttributeValues: {
      ':pk': lanePk(walletId, 0),
      ':first': prefix,
      ':last': `${prefix}${'9'.repeat(VERSION_DIGITS)}`,
    },
  }),
};
async function cell(size: number, shape: keyof typeof shapes, count: number) {
  const before = await cpuSeconds(ddb.pid);
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const result = await client.send(
      new QueryCommand({
        TableName: table,
        ...shapes[shape](`q-${size}`),
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    if (result.Items?.[0]?.sk !== `${prefix}${String(size).padStart(VERSION_DIGITS, '0')}`)
      throw new Error(`${shape} at ${size}: ${JSON.stringify(result.Items)}`);
  }
  const ms = performance.now() - t0;
  const cpu = await cpuSince(ddb.pid, before);
  return `${((cpu.jvm * 1000) / count).toFixed(2)} JVM ms, ${(ms / count).toFixed(2)} ms`;
}
// Warm-up: every cell once, unrecorded.
for (const size of SIZES)
  for (const shape of Object.keys(shapes) as (keyof typeof shapes)[]) await cell(size, shape, Q);
for (let round = 0; round < 2; round++)
  for (const size of SIZES)
    for (const shape of Object.keys(shapes) as (keyof typeof shapes)[])
      console.log(`round ${round} partition ${size} ${shape}: ${await cell(size, shape, Q)} per query`);
await ddb.stop();
process.exit(0);
