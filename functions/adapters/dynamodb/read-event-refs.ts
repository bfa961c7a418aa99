import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { RecordedEvent } from '#domain/wallet.ts';
import type { EventRef } from '#ports/event-store.ts';
import { fromEventItem, fromEventItems } from './table-layout/event-item.ts';
import { eventSk, lanePk } from './table-layout/keys.ts';

/** BatchGetItem takes 100 keys a request. */
const KEYS_PER_REQUEST = 100;
/** Rounds while DynamoDB leaves keys unprocessed (it does under throttling). */
const ROUNDS_MAX = 8;

/**
 * The events at `refs` by their exact keys (strongly consistent), in BatchGetItem requests of 100
 * sent at once: the projector's read of the events its doorbells name, every wallet of a stream
 * batch in one round trip. Places that hold no event are left out; the caller reads those lanes.
 *
 * A ref that carries its stream record's new image (a NEW_IMAGE stream) is not read: an event
 * item is written once and never changed, so the image is the committed item, and it is decoded
 * as a read of the item would be (fromEventItem's schema). An image that does not decode, or
 * names another place than its ref, is not trusted: that ref is read like one without an image.
 */
export async function readEventRefs(
  client: DynamoDBDocumentClient,
  tableName: string,
  refs: readonly EventRef[],
): Promise<RecordedEvent[]> {
  const keys = new Map<string, { pk: string; sk: string }>();
  const fromImages = new Map<string, RecordedEvent>();
  for (const ref of refs) {
    const key = { pk: lanePk(ref.walletId, ref.lane), sk: eventSk(ref.lane, ref.version) };
    const keyText = `${key.pk}|${key.sk}`;
    if (fromImages.has(keyText)) continue;
    const event = ref.image === undefined ? undefined : await eventFromImage(ref, key, ref.image);
    if (event !== undefined) {
      fromImages.set(keyText, event);
      keys.delete(keyText);
    } else keys.set(keyText, key);
  }
  const unique = [...keys.values()];
  const requests: Promise<RecordedEvent[]>[] = [Promise.resolve([...fromImages.values()])];
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
    events.push(...(await fromEventItems(result.Responses?.[tableName] ?? [])));
    left = (result.UnprocessedKeys?.[tableName]?.Keys ?? []) as Record<string, unknown>[];
  }
  if (left.length > 0) throw new Error(`readEvents: ${left.length} keys left unread by DynamoDB`);
  return events;
}

/** Numbers kept as text, as the document client reads them, so amounts stay exact. */
const wrapNumbers = (text: string) => text;

/**
 * The event in a stream record's new image (DynamoDB attribute values, as Lambda's event carries
 * them), or undefined when it is not exactly the event item at `ref`'s place.
 */
async function eventFromImage(
  ref: EventRef,
  key: { pk: string; sk: string },
  image: unknown,
): Promise<RecordedEvent | undefined> {
  if (typeof image !== 'object' || image === null) return undefined;
  try {
    const item = unmarshall(image as Record<string, AttributeValue>, { wrapNumbers }) as Record<
      string,
      unknown
    >;
    if (item.pk !== key.pk || item.sk !== key.sk) return undefined;
    const event = await fromEventItem(item);
    return event.walletId === ref.walletId && event.lane === ref.lane && event.version === ref.version
      ? event
      : undefined;
  } catch {
    return undefined;
  }
}
