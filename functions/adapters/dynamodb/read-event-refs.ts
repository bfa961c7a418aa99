import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RecordedEvent } from '#domain/wallet.ts';
import type { EventRef } from '#ports/event-store.ts';
import { fromEventItem } from './table-layout/event-item.ts';
import { eventSk, lanePk } from './table-layout/keys.ts';

/** BatchGetItem takes 100 keys a request. */
const KEYS_PER_REQUEST = 100;
/** Rounds while DynamoDB leaves keys unprocessed (it does under throttling). */
const ROUNDS_MAX = 8;

/**
 * The events at `refs` by their exact keys (strongly consistent), in BatchGetItem requests of 100
 * sent at once: the projector's read of the events its doorbells name, every wallet of a stream
 * batch in one round trip. Places that hold no event are left out; the caller reads those lanes.
 */
export async function readEventRefs(
  client: DynamoDBDocumentClient,
  tableName: string,
  refs: readonly EventRef[],
): Promise<RecordedEvent[]> {
  const keys = new Map<string, { pk: string; sk: string }>();
  for (const { walletId, lane, version } of refs) {
    const key = { pk: lanePk(walletId, lane), sk: eventSk(lane, version) };
    keys.set(`${key.pk}|${key.sk}`, key);
  }
  const unique = [...keys.values()];
  const requests: Promise<RecordedEvent[]>[] = [];
  for (let from = 0; from < unique.length; from += KEYS_PER_REQUEST) {
    requests.push(batchGetEvents(client, tableName, unique.slice(from, from + KEYS_PER_REQUEST)));
  }
  return (await Promise.all(requests)).flat();
}

async function batchGetEvents(
  client: DynamoDBDocumentClient,
  tableName: string,
  keys: Record<string, unknown>[],
): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  let left = keys;
  for (let round = 0; round < ROUNDS_MAX && left.length > 0; round++) {
    if (round > 0) await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** round));
    const result = await client.send(
      new BatchGetCommand({ RequestItems: { [tableName]: { Keys: left, ConsistentRead: true } } }),
    );
    for (const item of result.Responses?.[tableName] ?? []) events.push(fromEventItem(item));
    left = (result.UnprocessedKeys?.[tableName]?.Keys ?? []) as Record<string, unknown>[];
  }
  if (left.length > 0) throw new Error(`readEvents: ${left.length} keys left unread by DynamoDB`);
  return events;
}
