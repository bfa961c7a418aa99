import { type CancellationReason, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { AppendGroupRequest, AppendGroupsResult, IdempotencyRecord } from '#ports/event-store.ts';
import { keyRecordOf } from './cancellation.ts';
import { type GroupItems, groupTransactItems, TRANSACT_ITEMS_MAX } from './group-items.ts';
import type { IndexItems } from './index-items.ts';
import { fromIdempotencyItem } from './table-layout/idempotency-item.ts';
import { IDEMPOTENCY_SK, idempotencyPk } from './table-layout/keys.ts';

/**
 * Cross-wallet group append (EventStore.appendGroups, used by app/ingest-batch.ts): the groups of
 * distinct wallets, each built as appendGroup builds one (its lane's key, version lock, index
 * items, lane registration, keys: so hot lanes keep their own partitions), packed in order into
 * as few TransactWriteItems as fit 100 items. The transactions go out concurrently.
 *
 * A cancelled transaction names, item by item, why (CancellationReasons, in item order). Each
 * group owns a run of items: a group with any item not `None` failed (a version taken, a key used,
 * a conflict on its items) and is left to its caller; the others, untouched by the failure, go
 * again in a new transaction without it. Each round drops at least one group, so it ends.
 */
export async function appendGroups(
  client: DynamoDBDocumentClient,
  tableName: string,
  requests: readonly AppendGroupRequest[],
  indexItems: IndexItems,
): Promise<AppendGroupsResult[]> {
  const built = requests.map((request) => groupTransactItems(tableName, request, 'appendGroups', indexItems));
  distinct(requests);
  const results: AppendGroupsResult[] = new Array(requests.length);
  const commits: Promise<void>[] = [];
  let chunk: number[] = [];
  let chunkItems = 0;
  for (const [index, group] of built.entries()) {
    if (chunkItems + group.items.length > TRANSACT_ITEMS_MAX) {
      commits.push(commitChunk(client, built, chunk, results));
      chunk = [];
      chunkItems = 0;
    }
    chunk.push(index);
    chunkItems += group.items.length;
  }
  if (chunk.length > 0) commits.push(commitChunk(client, built, chunk, results));
  await Promise.all(commits);
  return results;
}

/** One wallet once and one key once in a call: DynamoDB refuses two operations on one item. */
function distinct(requests: readonly AppendGroupRequest[]): void {
  const wallets = new Set<string>();
  const keys = new Set<string>();
  for (const request of requests) {
    if (wallets.has(request.walletId)) throw new Error(`appendGroups: wallet ${request.walletId} twice`);
    wallets.add(request.walletId);
    for (const part of request.parts) {
      const key = part.idempotency?.key;
      if (key === undefined) continue;
      if (keys.has(key)) throw new Error(`appendGroups: key ${key} twice`);
      keys.add(key);
    }
  }
}

async function commitChunk(
  client: DynamoDBDocumentClient,
  built: readonly GroupItems[],
  chunk: readonly number[],
  results: AppendGroupsResult[],
): Promise<void> {
  let pending = [...chunk];
  while (pending.length > 0) {
    const groups = pending.map((index) => built[index] as GroupItems);
    try {
      await client.send(new TransactWriteCommand({ TransactItems: groups.flatMap((group) => group.items) }));
      for (const [at, index] of pending.entries()) {
        const group = groups[at] as GroupItems;
        results[index] = { kind: 'appended', parts: group.recordedParts, head: group.head };
      }
      return;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) {
        for (const index of pending) results[index] = { kind: 'unknown', error };
        return;
      }
      const reasons = error.CancellationReasons ?? [];
      const failed = new Set<number>();
      let first = 0;
      for (const [at, index] of pending.entries()) {
        const group = groups[at] as GroupItems;
        const own = reasons.slice(first, first + group.items.length);
        first += group.items.length;
        if (!own.some((reason) => reason.Code !== undefined && reason.Code !== 'None')) continue;
        failed.add(index);
        const taken = takenKeys(group, own);
        results[index] = { kind: 'failed', reason: 'condition', ...(taken.length > 0 ? { taken } : {}) };
      }
      if (failed.size === 0) {
        // Cancelled with no item to blame: each group is left to its caller.
        for (const index of pending) results[index] = { kind: 'failed', reason: 'unattributed' };
        return;
      }
      pending = pending.filter((index) => !failed.has(index));
    }
  }
}

/**
 * The keys of a failed group found used, with their records as the cancellation returned them
 * (ALL_OLD): a redelivered message is answered from them without another request.
 */
function takenKeys(group: GroupItems, reasons: readonly CancellationReason[]) {
  const taken: { part: number; record: IdempotencyRecord }[] = [];
  for (const [keyIndex, part] of group.keyOwners) {
    const reason = reasons[group.firstKeyItem + keyIndex];
    if (reason?.Code !== 'ConditionalCheckFailed' || reason.Item === undefined) continue;
    taken.push({ part, record: keyRecordOf(reason.Item) });
  }
  return taken;
}

/** BatchGetItem takes 100 keys a request. */
const BATCH_GET_KEYS_MAX = 100;
/** Rounds while DynamoDB leaves keys unprocessed (it does under throttling). */
const BATCH_GET_ROUNDS_MAX = 8;

/** The idempotency records under `keys` (strongly consistent), in BatchGetItem requests of 100. */
export async function findIdempotencies(
  client: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly string[],
): Promise<Map<string, IdempotencyRecord>> {
  const found = new Map<string, IdempotencyRecord>();
  const unique = [...new Set(keys)];
  const requests: Promise<void>[] = [];
  for (let from = 0; from < unique.length; from += BATCH_GET_KEYS_MAX) {
    requests.push(
      batchGet(
        client,
        tableName,
        unique
          .slice(from, from + BATCH_GET_KEYS_MAX)
          .map((key) => ({ pk: idempotencyPk(key), sk: IDEMPOTENCY_SK })),
        found,
      ),
    );
  }
  await Promise.all(requests);
  return found;
}

async function batchGet(
  client: DynamoDBDocumentClient,
  tableName: string,
  keys: Record<string, unknown>[],
  found: Map<string, IdempotencyRecord>,
): Promise<void> {
  let left = keys;
  for (let round = 0; round < BATCH_GET_ROUNDS_MAX && left.length > 0; round++) {
    if (round > 0) await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** round));
    const result = await client.send(
      new BatchGetCommand({ RequestItems: { [tableName]: { Keys: left, ConsistentRead: true } } }),
    );
    for (const item of result.Responses?.[tableName] ?? []) {
      const record = fromIdempotencyItem(item);
      found.set(record.key, record);
    }
    left = (result.UnprocessedKeys?.[tableName]?.Keys ?? []) as Record<string, unknown>[];
  }
  if (left.length > 0) throw new Error(`findIdempotencies: ${left.length} keys left unread by DynamoDB`);
}
