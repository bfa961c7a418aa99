import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import {
  type AppendTogetherGroupOutcome,
  type AppendTogetherGroupRequest,
  type IdempotencyRecord,
  type StreamHead,
  VersionConflictError,
} from '#ports/event-store.ts';
import { usedKeyRecord, versionTaken } from './cancellation.ts';
import { TRANSACT_ITEMS_MAX } from './group-items.ts';
import type { IndexItems } from './index-items.ts';
import { markIndexed } from './read-indexes.ts';
import { chainEvents, keyPut, keyReference, type TransactItems } from './transact-puts.ts';

/**
 * Group commit of two-wallet commands (app/group-commit-two.ts): lane 0 of several wallets and
 * several commands' keys in ONE TransactWriteItems. Each wallet's events are create-only puts at
 * its next versions, chained in part order; each key is create-only. All or nothing, like
 * appendTogether; a used key reports every used key, a taken version the wallet it was taken in.
 */
export async function appendTogetherGroup(
  client: DynamoDBDocumentClient,
  tableName: string,
  request: AppendTogetherGroupRequest,
  findIdempotency: (key: string) => Promise<IdempotencyRecord | undefined>,
  indexItems: IndexItems,
): Promise<AppendTogetherGroupOutcome> {
  const heads = new Map<string, StreamHead>(
    request.heads.map(({ walletId, expected }) => [walletId, expected]),
  );
  if (heads.size !== request.heads.length) throw new Error('appendTogetherGroup: one head per wallet');
  const transactItems: TransactItems = [];
  const partIndexItems: TransactItems = [];
  const keyItems: TransactItems = [];
  /** The wallet each event item (by its place) belongs to, and the part each key item does. */
  const eventOwners: string[] = [];
  const keyOwners: number[] = [];
  const recordedParts = request.parts.map((part, partIndex) => {
    const reference = keyReference(part.idempotency);
    const recorded = part.events.map(({ walletId, events }) => {
      const head = heads.get(walletId);
      if (head === undefined) throw new Error(`appendTogetherGroup: no head for ${walletId}`);
      const chained = chainEvents(tableName, transactItems, walletId, 0, head, events, reference);
      eventOwners.push(...chained.recorded.map(() => walletId));
      heads.set(walletId, chained.head);
      return chained.recorded;
    });
    partIndexItems.push(...indexItems(part.index));
    markIndexed(transactItems, part.index);
    if (part.idempotency) {
      keyOwners.push(partIndex);
      keyItems.push(keyPut(tableName, part.idempotency, part.events[0]?.walletId ?? '', recorded.flat()));
    }
    return recorded;
  });
  transactItems.push(...partIndexItems);
  const firstKeyItem = transactItems.length;
  transactItems.push(...keyItems);
  if (eventOwners.length === 0) throw new Error('appendTogetherGroup: no events');
  if (transactItems.length > TRANSACT_ITEMS_MAX) {
    throw new Error(`appendTogetherGroup: ${transactItems.length} items, ${TRANSACT_ITEMS_MAX} at most`);
  }
  try {
    await client.send(new TransactWriteCommand({ TransactItems: transactItems }));
    // The heads after the append (hashes included): group commit decides its next batch on them.
    const written = new Set(eventOwners);
    const after = [...heads.entries()].filter(([walletId]) => written.has(walletId));
    return {
      kind: 'appended',
      parts: recordedParts,
      heads: after.map(([walletId, head]) => ({ walletId, head })),
    };
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const reasons = error.CancellationReasons ?? [];
    const taken: { part: number; record: IdempotencyRecord }[] = [];
    for (const [keyIndex, part] of keyOwners.entries()) {
      const reason = reasons[firstKeyItem + keyIndex];
      if (reason?.Code !== 'ConditionalCheckFailed') continue;
      const key = request.parts[part]?.idempotency?.key as string;
      taken.push({ part, record: await usedKeyRecord(reason, key, findIdempotency, 'appendTogetherGroup') });
    }
    if (taken.length > 0) return { kind: 'keys-taken', taken };
    const failed = reasons.findIndex(
      (reason, index) => index < eventOwners.length && reason.Code === 'ConditionalCheckFailed',
    );
    if (failed >= 0) {
      const walletId = eventOwners[failed] as string;
      const expected = request.heads.find((head) => head.walletId === walletId)?.expected.version ?? 0;
      throw await versionTaken(walletId, 0, expected, reasons[failed]?.Item);
    }
    if (reasons.some((reason) => reason.Code === 'TransactionConflict')) {
      const first = request.heads[0];
      throw new VersionConflictError(
        first?.walletId ?? '',
        0,
        first?.expected.version ?? 0,
        'transaction-conflict',
      );
    }
    throw error;
  }
}
