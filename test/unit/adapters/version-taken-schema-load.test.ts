/**
 * An append's cancellation names the winner's event; reading its head is a hint. When that event
 * is of a shape the fast path does not read and the schema path (a lazy chunk) fails to load, the
 * cancellation is still the lost race it is, without the winner's head (`taken`): never an error that a batch would
 * take for "may have committed".
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import { eventHash } from '#adapters/dynamodb/event-hash.ts';
import { toEventItem } from '#adapters/dynamodb/table-layout/event-item.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import { VersionConflictError } from '#ports/event-store.ts';

// The schema path's module fails to load once (a chunk that could not be read), then loads.
let failures = 1;
vi.mock('#adapters/dynamodb/table-layout/event-item-schema.ts', async (importOriginal) => {
  if (failures > 0) {
    failures--;
    throw new Error('chunk not readable');
  }
  return importOriginal();
});
const { versionTaken } = await import('#adapters/dynamodb/cancellation.ts');

const released = {
  walletId: 'w1',
  lane: 0,
  version: 1,
  eventId: 'e1',
  recordedAtMs: 5,
  type: 'HoldReleased',
  data: { holdId: 'h', asset: 'money', amount: 5n, reason: 'released', occurredAtMs: 2 },
} as unknown as RecordedEvent;
const winner = marshall(toEventItem(released, '', eventHash('', released)), { removeUndefinedValues: true });

describe('a taken version whose winner cannot be read', () => {
  it('is a lost race without the head, and with it once the schema loads', async () => {
    const lost = await versionTaken('w1', 0, 1, winner);
    expect(lost).toBeInstanceOf(VersionConflictError);
    expect(lost.taken).toBeUndefined();
    expect((await versionTaken('w1', 0, 1, winner)).taken).toMatchObject({ version: 1 });
  });
});
