import type { CancellationReason } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { type IdempotencyRecord, VersionConflictError } from '#ports/event-store.ts';
import { fromEventItem } from './table-layout/event-item.ts';
import { fromIdempotencyItem } from './table-layout/idempotency-item.ts';

/**
 * Reading a cancelled append's reasons, for every append kind (event-store-base.ts and the
 * append-*.ts modules): the items a failed condition returned (ALL_OLD), numbers kept as text so
 * amounts stay exact, as the document client reads them.
 */
const wrapNumbers = (text: string) => text;

/** The idempotency record a failed key condition returned. */
export const keyRecordOf = (item: NonNullable<CancellationReason['Item']>): IdempotencyRecord =>
  fromIdempotencyItem(unmarshall(item, { wrapNumbers }));

/** A used key's record: the one the cancellation returned, else read (a store that returns none). */
export async function usedKeyRecord(
  reason: CancellationReason,
  key: string,
  find: (key: string) => Promise<IdempotencyRecord | undefined>,
  appendKind: string,
): Promise<IdempotencyRecord> {
  const record = reason.Item ? keyRecordOf(reason.Item) : await find(key);
  if (record === undefined)
    throw new Error(`${appendKind}: idempotency record vanished after a key conflict`);
  return record;
}

/**
 * A lane-0 (or lane) version another writer took: with the winner's head when its event came back
 * (read as any event item is, so a winner of an uncommon shape may load the schema path).
 */
export async function versionTaken(
  walletId: string,
  lane: number,
  expectedVersion: number,
  winner: CancellationReason['Item'],
  registered?: readonly number[],
): Promise<VersionConflictError> {
  // The winner's head is a hint (the loser reads again without it): a winner that cannot be read,
  // or a schema path that fails to load, still makes this the lost race it is, never an error.
  const event = winner
    ? await fromEventItem(unmarshall(winner, { wrapNumbers })).catch(() => undefined)
    : undefined;
  return new VersionConflictError(
    walletId,
    lane,
    expectedVersion,
    'version-taken',
    event ? { version: event.version, hash: event.hash, recordedAtMs: event.recordedAtMs } : undefined,
    registered,
  );
}
