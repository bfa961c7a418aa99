/**
 * The store's raw write rate: event items (the deposit's exact item) put with BatchWriteItem, 25 a
 * request, 4 requests in flight, no conditions and no transactions. It is the ceiling any ingest
 * path on this table and machine can approach, measured in the same run as ingest.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from '#adapters/dynamodb/client.ts';
import { eventHash } from '#adapters/dynamodb/event-hash.ts';
import { toEventItem } from '#adapters/dynamodb/table-layout/event-item.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#adapters/local/dynamodb-local.ts';
import { forEachLimited } from '#app/jobs.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import { ensureTable } from '#local/table.ts';
import { batchWrite } from '../support.ts';
import { WALLETS } from './settings.ts';

const PER_REQUEST = 25;
const IN_FLIGHT = 4;

export async function rawBatchWriteRate(endpoint: string, events: number): Promise<number> {
  const table = 'bench-raw';
  await ensureTable(
    new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
    table,
  );
  const client = createDocumentClient({ endpoint });
  const items = Array.from({ length: events }, (_, i) => {
    const event: RecordedEvent = {
      type: 'Deposited',
      data: { amountMinor: BigInt(100 + i), occurredAtMs: Date.now() },
      walletId: `raw-${i % WALLETS}`,
      lane: 0,
      version: Math.floor(i / WALLETS) + 1,
      eventId: `raw-${i}`,
      recordedAtMs: Date.now(),
    };
    return toEventItem(event, '', eventHash('', event));
  });
  const chunks = Array.from({ length: Math.ceil(events / PER_REQUEST) }, (_, i) =>
    items.slice(i * PER_REQUEST, (i + 1) * PER_REQUEST),
  );
  const startMs = performance.now();
  await forEachLimited(chunks, IN_FLIGHT, (chunk) => batchWrite(client, table, chunk));
  return events / ((performance.now() - startMs) / 1000);
}
