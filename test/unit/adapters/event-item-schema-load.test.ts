/**
 * The event item schema path (a lazy chunk: table-layout/event-item-schema.ts) failing to load
 * once, as a chunk that could not be read: the next item that needs it loads it again, verify does
 * not take the failure for a tampered event, and an append's cancellation is still a lost race.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import { eventHash } from '#adapters/dynamodb/event-hash.ts';
import { toEventItem } from '#adapters/dynamodb/table-layout/event-item.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import { VersionConflictError } from '#ports/event-store.ts';

const SCHEMA_PATH = '#adapters/dynamodb/table-layout/event-item-schema.ts';

/** `specifier` from a fresh module registry in which the schema path's first load fails. */
async function withSchemaFailingOnce<M>(specifier: string): Promise<M> {
  vi.resetModules();
  let failures = 1;
  vi.doMock(SCHEMA_PATH, async (importOriginal) => {
    if (failures > 0) {
      failures--;
      throw new Error('chunk not readable');
    }
    return importOriginal();
  });
  return (await import(specifier)) as M;
}

/** A HoldReleased event (a shape the fast path does not read) with its true hash. */
const released = {
  walletId: 'w1',
  lane: 0,
  version: 1,
  eventId: 'e1',
  recordedAtMs: 5,
  type: 'HoldReleased',
  data: { holdId: 'h', asset: 'money', amount: 5n, reason: 'released', occurredAtMs: 2 },
} as unknown as RecordedEvent;
const releasedItem = toEventItem(released, '', eventHash('', released));

/** Numbers as the table's reads give them (decimal text), as in an item read back. */
const asRead = (value: unknown): unknown =>
  typeof value === 'number' || typeof value === 'bigint'
    ? String(value)
    : typeof value === 'object' && value !== null
      ? Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, asRead(inner)]))
      : value;

describe('the event item schema path, when a load fails', () => {
  it('is loaded again by the next item that needs it', async () => {
    const { fromEventItem } = await withSchemaFailingOnce<
      typeof import('#adapters/dynamodb/table-layout/event-item.ts')
    >('#adapters/dynamodb/table-layout/event-item.ts');
    await expect(fromEventItem(asRead(releasedItem))).rejects.toThrow();
    expect(await fromEventItem(asRead(releasedItem))).toMatchObject({
      type: 'HoldReleased',
      data: { amount: 5n },
    });
  });

  it('makes verify throw (not report a broken chain), and the next walk verifies the same page', async () => {
    const { verifyLanes } = await withSchemaFailingOnce<typeof import('#adapters/dynamodb/verify-lanes.ts')>(
      '#adapters/dynamodb/verify-lanes.ts',
    );
    const client = { send: async () => ({ Items: [asRead(releasedItem)] }) } as never;
    await expect(verifyLanes(client, 't', 'w1', [0])).rejects.toThrow();
    expect(await verifyLanes(client, 't', 'w1', [0])).toMatchObject({ ok: true, events: 1 });
  });

  it("leaves a taken version a lost race, without the winner's head, and with it once loaded", async () => {
    const { versionTaken } = await withSchemaFailingOnce<typeof import('#adapters/dynamodb/cancellation.ts')>(
      '#adapters/dynamodb/cancellation.ts',
    );
    const winner = marshall(releasedItem, { removeUndefinedValues: true });
    const lost = await versionTaken('w1', 0, 1, winner);
    expect(lost.name).toBe(VersionConflictError.name);
    expect(lost.taken).toBeUndefined();
    expect((await versionTaken('w1', 0, 1, winner)).taken).toMatchObject({ version: 1 });
  });
});
