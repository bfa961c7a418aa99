import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import {
  type AppendGroupOutcome,
  type AppendGroupRequest,
  type IdempotencyRecord,
  VersionConflictError,
} from '#ports/event-store.ts';
import { usedKeyRecord, versionTaken } from './cancellation.ts';
import { groupTransactItems } from './group-items.ts';
import type { IndexItems } from './index-items.ts';

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
      throw await versionTaken(walletId, lane, expected.version, winner);
    }
    if (reasons.some((reason) => reason.Code === 'TransactionConflict')) {
      throw new VersionConflictError(walletId, lane, expected.version, 'transaction-conflict');
    }
    throw error;
  }
}
