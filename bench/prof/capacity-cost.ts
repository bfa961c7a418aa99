/**
 * `npx tsx bench/prof/capacity-cost.ts` — what `ReturnConsumedCapacity: 'TOTAL'` (the bench's
 * capacity meter, bench/capacity-meter.ts) costs DynamoDB Local per request of each shape the
 * write path sends: a create-only PutItem, a TransactWriteItems of 40 create-only puts (an ingest
 * chunk), a BatchWriteItem of 25 (the raw yardstick), a lane-head Query. With and without, alternated
 * ROUNDS (3) times after a warm-up, N (200) requests a cell; JVM CPU per request.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '#adapters/dynamodb/client.ts';
import { eventHash } from '#adapters/dynamodb/event-hash.ts';
import { toEventItem } from '#adapters/dynamodb/table-layout/event-item.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from '#adapters/local/dynamodb-local.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import { ensureTable } from '#local/table.ts';
import { cpuSeconds, cpuSince } from '../support.ts';

const N = Number(process.env.N ?? 200);
const ddb = await startDynamoDbLocal({ inMemory: true, log: () => {}, tuning: 'throughput' });
const table = 'capacity-cost';
await ensureTable(
  new DynamoDBClient({ endpoint: ddb.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
  table,
);
const client = createDocumentClient({ endpoint: ddb.endpoint });
let seq = 0;
const item = () => {
  const event: RecordedEvent = {
    type: 'Deposited',
    data: { amountMinor: 100n, occurredAtMs: Date.now() },
    walletId: `c-${seq++}`,
    lane: 0,
    version: 1,
    eventId: `e-${seq}`,
    recordedAtMs: Date.now(),
  };
  return toEventItem(event, '', eventHash('', event));
};
const createOnly = () => ({
  TableName: table,
  Item: item(),
  ConditionExpression: 'attribute_not_exists(pk)',
});
type Rcc = { ReturnConsumedCapacity?: 'TOTAL' };
const shapes: Record<string, { items: number; send: (rcc: Rcc) => Promise<unknown> }> = {
  'PutItem create-only': {
    items: 1,
    send: (rcc) => client.send(new PutCommand({ ...createOnly(), ...rcc })),
  },
  'TransactWriteItems 40': {
    items: 40,
    send: (rcc) =>
      client.send(
        new TransactWriteCommand({
          TransactItems: Array.from({ length: 40 }, () => ({
            Put: { ...createOnly(), ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const },
          })),
          ...rcc,
        }),
      ),
  },
  'BatchWriteItem 25': {
    items: 25,
    send: (rcc) =>
      client.send(
        new BatchWriteCommand({
          RequestItems: { [table]: Array.from({ length: 25 }, () => ({ PutRequest: { Item: item() } })) },
          ...rcc,
        }),
      ),
  },
  'Query head': {
    items: 1,
    send: (rcc) =>
      client.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': `WALLET#c-${seq - 1}`, ':prefix': 'EVENT#00#' },
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
          ...rcc,
        }),
      ),
  },
};
async function cell(name: string, rcc: Rcc) {
  const shape = shapes[name] as (typeof shapes)[string];
  const before = await cpuSeconds(ddb.pid);
  for (let i = 0; i < N; i++) await shape.send(rcc);
  const { jvm } = await cpuSince(ddb.pid, before);
  return { perRequest: (jvm * 1000) / N, perItem: (jvm * 1000) / N / shape.items };
}
for (const name of Object.keys(shapes)) {
  await cell(name, {});
  await cell(name, { ReturnConsumedCapacity: 'TOTAL' });
}
for (let round = 0; round < Number(process.env.ROUNDS ?? 3); round++)
  for (const name of Object.keys(shapes)) {
    const without = await cell(name, {});
    const withIt = await cell(name, { ReturnConsumedCapacity: 'TOTAL' });
    console.log(
      `round ${round} ${name}: JVM ms/request ${without.perRequest.toFixed(2)} without, ${withIt.perRequest.toFixed(2)} with TOTAL (per item ${without.perItem.toFixed(3)} / ${withIt.perItem.toFixed(3)})`,
    );
  }
await ddb.stop();
process.exit(0);
