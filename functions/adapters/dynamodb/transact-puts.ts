import type { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { RecordedEvent } from '#domain/wallet.ts';
import type { AppendRequest, NewEvent, StreamHead } from '#ports/event-store.ts';
import { eventHash } from './event-hash.ts';
import { toEventItem } from './table-layout/event-item.ts';
import { toIdempotencyItem } from './table-layout/idempotency-item.ts';

/**
 * The puts every append kind writes (event-store-base.ts and the append-*.ts modules), built in one
 * place: the chained event items and the idempotency record, each create-only.
 */
export type TransactItems = NonNullable<TransactWriteCommand['input']['TransactItems']>;

/**
 * A create-only put. An event item is its lane's version lock (its sort key is the version); a
 * key item exists iff its events do. On a lost race the winner's item comes back (ALL_OLD), so a
 * retry can follow it without a read and a used key is answered from the stored record.
 */
export const createOnlyPut = (tableName: string, item: Record<string, unknown>): TransactItems[number] => ({
  Put: {
    TableName: tableName,
    Item: item,
    ConditionExpression: 'attribute_not_exists(pk)',
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  },
});

/**
 * `events` stored on `lane` after `head`, each hash chained to the one before, their puts pushed onto
 * `items` in order; `reference` is the idempotency key the events remember. Returns the recorded
 * events and the head after them.
 */
export function chainEvents(
  tableName: string,
  items: TransactItems,
  walletId: string,
  lane: number,
  head: StreamHead,
  events: readonly NewEvent[],
  reference: string | undefined,
): { recorded: RecordedEvent[]; head: StreamHead } {
  let { version, hash: prevHash } = head;
  const recorded = events.map((event) => {
    const stored: RecordedEvent = {
      ...event,
      walletId,
      lane,
      version: ++version,
      ...(reference === undefined ? {} : { idempotencyKey: reference }),
    };
    const hash = eventHash(prevHash, stored);
    items.push(createOnlyPut(tableName, toEventItem(stored, prevHash, hash)));
    prevHash = hash;
    return stored;
  });
  return { recorded, head: { version, hash: prevHash } };
}

/** The idempotency key the events of a keyed write remember: the client's own (`reference`) when scoped. */
export const keyReference = (idempotency: AppendRequest['idempotency']): string | undefined =>
  idempotency && (idempotency.reference ?? idempotency.key);

/** The create-only put of a key's record, naming the events it answers (their versions and ids). */
export const keyPut = (
  tableName: string,
  idempotency: NonNullable<AppendRequest['idempotency']>,
  walletId: string,
  recorded: readonly RecordedEvent[],
): TransactItems[number] =>
  createOnlyPut(
    tableName,
    toIdempotencyItem({
      key: idempotency.key,
      payloadHash: idempotency.payloadHash,
      walletId,
      versions: recorded.map((event) => event.version),
      eventIds: recorded.map((event) => event.eventId),
      response: idempotency.response,
      recordedAtMs: recorded[0]?.recordedAtMs ?? 0,
    }),
  );
