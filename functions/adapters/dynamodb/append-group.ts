import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { RecordedEvent } from '#domain/wallet.ts';
import {
  type AppendGroupOutcome,
  type AppendGroupRequest,
  type IdempotencyRecord,
  LANES_MAX,
  type StreamHead,
  VersionConflictError,
} from '#ports/event-store.ts';
import { usedKeyRecord, versionTaken } from './cancellation.ts';
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

/**
 * Group commit (app/group-commit.ts): the events of several commands on one lane, one after the
 * other, each part with its own idempotency record, in ONE TransactWriteItems. All or nothing: a
 * used key cancels the whole transaction, and the cancellation reasons name every key that was
 * used, so those callers are answered from the stored record and the rest are decided again
 * without them.
 */
export async function appendGroup(
  client: DynamoDBDocumentClient,
  tableName: string,
  request: AppendGroupRequest,
  findIdempotency: (key: string) => Promise<IdempotencyRecord | undefined>,
  indexItems: IndexItems,
): Promise<AppendGroupOutcome> {
  const { walletId, lane, expected, parts } = request;
  const {
    items: transactItems,
    recordedParts,
    head,
    firstKeyItem,
    keyOwners,
  } = groupTransactItems(tableName, request, 'appendGroup', indexItems);
  try {
    await client.send(new TransactWriteCommand({ TransactItems: transactItems }));
    return { kind: 'appended', parts: recordedParts, head };
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const reasons = error.CancellationReasons ?? [];
    const taken: { part: number; record: IdempotencyRecord }[] = [];
    for (const [keyIndex, part] of keyOwners) {
      const reason = reasons[firstKeyItem + keyIndex];
      if (reason?.Code !== 'ConditionalCheckFailed') continue;
      const key = parts[part]?.idempotency?.key as string;
      taken.push({ part, record: await usedKeyRecord(reason, key, findIdempotency, 'appendGroup') });
    }
    // A used key wins over a taken version, as in a single append: those callers' answers are known.
    if (taken.length > 0) return { kind: 'keys-taken', taken };
    if (reasons.some((reason) => reason.Code === 'ConditionalCheckFailed')) {
      const winner = reasons[0]?.Code === 'ConditionalCheckFailed' ? reasons[0].Item : undefined;
      throw versionTaken(walletId, lane, expected.version, winner);
    }
    if (reasons.some((reason) => reason.Code === 'TransactionConflict')) {
      throw new VersionConflictError(walletId, lane, expected.version, 'transaction-conflict');
    }
    throw error;
  }
}
