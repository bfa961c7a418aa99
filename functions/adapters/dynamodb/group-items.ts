/**
 * The items of one lane's group of parts in a transaction, shared by the group append
 * (append-group.ts) and ingest's packing of many wallets (append-groups.ts), in a module of its
 * own: a function that packs (ingest from the queue) but group-commits only on its first batch
 * loads append-group.ts then, and a static import of it would put it in the cold start.
 */
import type { RecordedEvent } from '#domain/wallet.ts';
import { type AppendGroupRequest, LANES_MAX, type StreamHead } from '#ports/event-store.ts';
import type { IndexItems } from './index-items.ts';
import { markIndexed } from './read-indexes.ts';
import { registerLane } from './table-layout/lanes-item.ts';
import { chainEvents, keyPut, keyReference, type TransactItems } from './transact-puts.ts';

/** DynamoDB's limit on the items of one TransactWriteItems. */
export const TRANSACT_ITEMS_MAX = 100;

/** A group's items as they go in a transaction, and what they will record if it commits. */
export interface GroupItems {
  /** Events first (a lost race reports the first), then index items, the lane registration, keys. */
  items: TransactItems;
  recordedParts: RecordedEvent[][];
  head: StreamHead;
  /** Where the keys begin in `items`, and which part each key item (from there) belongs to. */
  firstKeyItem: number;
  keyOwners: Map<number, number>;
}

/**
 * The items of one lane's group of parts: create-only event puts at consecutive versions (the
 * lane's version lock, as in a single append), their index items, the lane's registration when
 * it opens, and a create-only key item per keyed part. Shared by appendGroup and appendGroups.
 */
export function groupTransactItems(
  tableName: string,
  request: AppendGroupRequest,
  who: string,
  indexItems: IndexItems,
): GroupItems {
  const { walletId, lane, expected, parts } = request;
  if (!Number.isInteger(lane) || lane < 0 || lane >= LANES_MAX) throw new Error(`${who}: no lane ${lane}`);
  if (parts.length === 0 || parts.some((part) => part.events.length === 0)) {
    throw new Error(`${who}: one or more parts, each with one or more events`);
  }
  const transactItems: TransactItems = [];
  const partIndexItems: TransactItems = [];
  const keyOwners = new Map<number, number>();
  const keyItems: TransactItems = [];
  let head = expected;
  const recordedParts = parts.map((part, partIndex) => {
    const chained = chainEvents(
      tableName,
      transactItems,
      walletId,
      lane,
      head,
      part.events,
      keyReference(part.idempotency),
    );
    head = chained.head;
    partIndexItems.push(...indexItems(part.index));
    markIndexed(transactItems, part.index);
    if (part.idempotency) {
      keyOwners.set(keyItems.length, partIndex);
      keyItems.push(keyPut(tableName, part.idempotency, walletId, chained.recorded));
    }
    return chained.recorded;
  });
  transactItems.push(...partIndexItems);
  if (lane > 0 && expected.version === 0) {
    transactItems.push({ Update: { TableName: tableName, ...registerLane(walletId, lane) } });
  }
  const firstKeyItem = transactItems.length;
  transactItems.push(...keyItems);
  if (transactItems.length > TRANSACT_ITEMS_MAX) {
    throw new Error(`${who}: ${transactItems.length} items, ${TRANSACT_ITEMS_MAX} at most`);
  }
  return { items: transactItems, recordedParts, head, firstKeyItem, keyOwners };
}
