/**
 * Verify and a lost race meet an event of a shape the fast path does not read while the schema
 * path (a lazy chunk) fails to load: that is an error of this process, never a tampered log
 * (verify) and never more than a lost race (an append's cancellation).
 */
import { describe, expect, it, vi } from 'vitest';
import { eventHash } from '#adapters/dynamodb/event-hash.ts';
import { toEventItem } from '#adapters/dynamodb/table-layout/event-item.ts';
import type { RecordedEvent } from '#domain/wallet.ts';

// The schema path's module fails to load once (a chunk that could not be read), then loads.
let failures = 1;
vi.mock('#adapters/dynamodb/table-layout/event-item-schema.ts', async (importOriginal) => {
  if (failures > 0) {
    failures--;
    throw new Error('chunk not readable');
  }
  return importOriginal();
});
const { verifyLanes } = await import('#adapters/dynamodb/verify-lanes.ts');

/** Numbers as the table's reads give them (decimal text), as in a stored item. */
const asRead = (value: unknown): unknown =>
  typeof value === 'number' || typeof value === 'bigint'
    ? String(value)
    : typeof value === 'object' && value !== null
      ? Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, asRead(inner)]))
      : value;

/** A HoldReleased event item with its true hash: its chain verifies. */
function intactReleased(): unknown {
  const event = {
    walletId: 'w1',
    lane: 0,
    version: 1,
    eventId: 'e1',
    recordedAtMs: 5,
    type: 'HoldReleased',
    data: { holdId: 'h', asset: 'money', amount: 5n, reason: 'released', occurredAtMs: 2 },
  } as unknown as RecordedEvent;
  return asRead(toEventItem(event, '', eventHash('', event)));
}

describe('verify, when the schema path fails to load', () => {
  it('throws (not a broken chain), and the next walk verifies the same page', async () => {
    const client = { send: async () => ({ Items: [intactReleased()] }) } as never;
    await expect(verifyLanes(client, 't', 'w1', [0])).rejects.toThrow();
    expect(await verifyLanes(client, 't', 'w1', [0])).toMatchObject({ ok: true, events: 1 });
  });
});
