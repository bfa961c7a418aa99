import * as z from 'zod/mini';
import type { StoredEventKey } from '#app/publish-stream.ts';
import { EVENT_SK_PREFIX, eventSk, walletIdFromPk } from './table-layout/keys.ts';

/** The keys every stream record carries (with or without an image), as DynamoDB attribute values. */
const streamKeysSchema = z.object({ pk: z.object({ S: z.string() }), sk: z.object({ S: z.string() }) });

const EVENT_SK = /^EVENT#(\d{2})#(\d+)$/;

/**
 * The stored event a stream record announces (`record.dynamodb.Keys`), or undefined when the item
 * is not an event (the trigger's filter lets none through, but a record is checked, not trusted).
 */
export function storedEventKeyFromStreamKeys(keys: unknown): StoredEventKey | undefined {
  const parsed = streamKeysSchema.safeParse(keys);
  if (!parsed.success || !parsed.data.sk.S.startsWith(EVENT_SK_PREFIX)) return undefined;
  const walletId = walletIdFromPk(parsed.data.pk.S);
  const match = EVENT_SK.exec(parsed.data.sk.S);
  if (walletId === undefined || match === null) return undefined;
  const lane = Number(match[1]);
  const version = Number(match[2]);
  // Only the exact layout the store writes: a key that does not round-trip is not an event item.
  if (eventSk(lane, version) !== parsed.data.sk.S) return undefined;
  return { walletId, lane, version };
}
