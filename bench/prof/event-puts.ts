/**
 * What the bench/prof cost tools share: a fresh in-memory DynamoDB Local with one table, a client
 * for it, and a deposit's event item as the store writes it (create-only, the winner returned).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from '#adapters/dynamodb/client.ts';
import { eventHash } from '#adapters/dynamodb/event-hash.ts';
import { toEventItem } from '#adapters/dynamodb/table-layout/event-item.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from '#adapters/local/dynamodb-local.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import { ensureTable } from '#local/table.ts';

export async function emulatorWithTable(table: string) {
  const ddb = await startDynamoDbLocal({ inMemory: true, tuning: 'throughput' });
  await ensureTable(
    new DynamoDBClient({ endpoint: ddb.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
    table,
  );
  return { ddb, client: createDocumentClient({ endpoint: ddb.endpoint }) };
}

let seq = 0;
/** A deposit's event item put: conditional (create-only) unless told, returning the winner when `first`. */
export function eventPut(
  table: string,
  at: { walletId: string; lane: number; version: number },
  conditional = true,
  first = true,
) {
  const event: RecordedEvent = {
    type: 'Deposited',
    data: { amountMinor: 100n, occurredAtMs: Date.now() },
    ...at,
    eventId: `e-${seq++}`,
    recordedAtMs: Date.now(),
  };
  return {
    TableName: table,
    Item: toEventItem(event, '', eventHash('', event)),
    ...(conditional ? { ConditionExpression: 'attribute_not_exists(pk)' } : {}),
    ...(conditional && first ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } : {}),
  };
}
