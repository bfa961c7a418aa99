/**
 * `npx tsx bench/prof/ingest-count.ts` — every AWS SDK request of the process (DynamoDB, its
 * streams, the local SQS: the bench's sends, the pollers, the functions) per ingested event, by
 * command, in the second of two ingest runs on one emulator. N (300) events.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

import { startDynamoDbLocal } from '#adapters/local/dynamodb-local.ts';
import { ingestRateHere as ingestRate } from '../run/ingest.ts';

const counts = new Map<string, number>();
let on = false;
type Send = (this: unknown, command: object, ...rest: unknown[]) => unknown;
// Every SDK client's send goes through the base class's (DynamoDB's, its streams', SQS's).
const base = Object.getPrototypeOf(DynamoDBClient.prototype) as { send: Send };
const send = base.send;
base.send = function (this: unknown, command: object, ...rest: unknown[]) {
  if (on) {
    const name = command.constructor.name;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return send.call(this, command, ...rest);
};
const ddb = await startDynamoDbLocal({ inMemory: true, log: () => {}, tuning: 'throughput' });
await ingestRate(ddb.endpoint, 10, 100);
const n = Number(process.env.N ?? 300);
on = true;
const rate = await ingestRate(ddb.endpoint, 10, n);
on = false;
console.log('rate', rate.toFixed(0));
for (const [k, v] of [...counts].sort((a, b) => b[1] - a[1])) console.log(`${(v / n).toFixed(3)} ${k}`);
await ddb.stop();
process.exit(0);
