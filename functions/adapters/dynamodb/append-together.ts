import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import {
  type AppendTogetherOutcome,
  type AppendTogetherRequest,
  type IdempotencyRecord,
  VersionConflictError,
} from '#ports/event-store.ts';
import { usedKeyRecord, versionTaken } from './cancellation.ts';
import { type IndexItems, indexItemCount } from './index-items.ts';
import { markIndexed } from './read-indexes.ts';
import { chainEvents, keyPut, keyReference, type TransactItems } from './transact-puts.ts';

/**
 * Lane 0 of several wallets in ONE TransactWriteItems: every event item is a create-only put (the
 * version lock of its wallet), plus the idempotency record. DynamoDB applies all or none, so a
 * transfer never debits one wallet without crediting the other. No locks are held between
 * requests: a lost race is a cancelled transaction, never a wait, so no deadlock can form.
 */
/** The same bound as a single append (event-store.ts): DynamoDB's 100 items less two. */
const EVENTS_PER_APPEND_MAX = 98;

export async function appendTogether(
  client: DynamoDBDocumentClient,
  tableName: string,
  request: AppendTogetherRequest,
  findIdempotency: (key: string) => Promise<IdempotencyRecord | undefined>,
  indexItems: IndexItems,
): Promise<AppendTogetherOutcome> {
  const { appends, idempotency } = request;
  const walletIds = appends.map((append) => append.walletId);
  if (appends.length < 2 || new Set(walletIds).size !== appends.length) {
    throw new Error('appendTogether: two or more distinct wallets');
  }
  const total = appends.reduce((sum, append) => sum + append.events.length, indexItemCount(request.index));
  if (appends.some((append) => append.events.length === 0) || total > EVENTS_PER_APPEND_MAX) {
    throw new Error(
      `appendTogether: 1 or more events per wallet, ${EVENTS_PER_APPEND_MAX} events and index items at most in all`,
    );
  }
  const transactItems: TransactItems = [];
  /** Which wallet (index into appends) each transact item belongs to; the key is last. */
  const owners: number[] = [];
  const reference = keyReference(idempotency);
  const appended = appends.map(({ walletId, expected, events }, owner) => {
    const { recorded, head } = chainEvents(
      tableName,
      transactItems,
      walletId,
      0,
      expected,
      events,
      reference,
    );
    owners.push(...recorded.map(() => owner));
    return { walletId, events: recorded, head };
  });
  // After every event item (owners index them) and before the key (last).
  transactItems.push(...indexItems(request.index));
  markIndexed(transactItems, request.index);
  if (idempotency) {
    const all = appended.flatMap((append) => append.events);
    transactItems.push(keyPut(tableName, idempotency, walletIds[0] as string, all));
  }
  try {
    await client.send(new TransactWriteCommand({ TransactItems: transactItems }));
    return { kind: 'appended', appended };
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const reasons = error.CancellationReasons ?? [];
    const keyReason = idempotency ? reasons[transactItems.length - 1] : undefined;
    if (idempotency && keyReason?.Code === 'ConditionalCheckFailed') {
      const record = await usedKeyRecord(keyReason, idempotency.key, findIdempotency, 'appendTogether');
      return record.payloadHash === idempotency.payloadHash
        ? { kind: 'duplicate', record }
        : { kind: 'key-reused', record };
    }
    const failed = reasons.findIndex(
      (reason, index) => index < owners.length && reason.Code === 'ConditionalCheckFailed',
    );
    if (failed >= 0) {
      const append = appends[owners[failed] as number] as AppendTogetherRequest['appends'][number];
      throw await versionTaken(append.walletId, 0, append.expected.version, reasons[failed]?.Item);
    }
    const conflicted = reasons.findIndex((reason) => reason.Code === 'TransactionConflict');
    if (conflicted >= 0) {
      const append = appends[owners[conflicted] ?? 0] as AppendTogetherRequest['appends'][number];
      throw new VersionConflictError(append.walletId, 0, append.expected.version, 'transaction-conflict');
    }
    throw error;
  }
}
