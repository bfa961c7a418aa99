/**
 * A write's key checked before anything is decided (holds, offers, orders, payments, card
 * actions, a transfer run alone): the scoped item and the item written before keys were scoped are
 * read at once, so a write new to its key waits on the table once for them, not twice.
 */
import { describe, expect, it } from 'vitest';
import { priorUse, scopeIdempotency } from '#app/idempotency.ts';
import type { EventStore } from '#ports/event-store.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import { Rounds } from '../../support/rounds.ts';

const key = scopeIdempotency({ namespace: 'event', owner: 'bench' }, 'k1', 'h1');

describe('a key’s prior use', () => {
  it('reads the scoped and the legacy item in one round, and finds neither for a new key', async () => {
    const rounds = new Rounds();
    expect(await priorUse(rounds.remote(new InMemoryEventStore() as EventStore), key)).toBeUndefined();
    expect(rounds.list()).toEqual([['findIdempotency', 'findIdempotency']]);
  });

  it('answers from the legacy item, and from the scoped one before it, as before', async () => {
    const store = new InMemoryEventStore();
    const written = (idempotencyKey: string, body: string) =>
      store.append({
        walletId: `w-${idempotencyKey}`,
        lane: 0,
        expected: { version: 0, hash: '' },
        events: [
          { type: 'Deposited', data: { amountMinor: 1n, occurredAtMs: 1 }, eventId: body, recordedAtMs: 1 },
        ],
        idempotency: { key: idempotencyKey, payloadHash: 'h1', response: { statusCode: 201, body } },
      });
    await written('k1', 'legacy');
    expect(await priorUse(store, key)).toEqual({
      kind: 'replayed',
      response: { statusCode: 201, body: 'legacy' },
    });
    await written(key.key, 'scoped');
    expect(await priorUse(store, key)).toEqual({
      kind: 'replayed',
      response: { statusCode: 201, body: 'scoped' },
    });
    expect(await priorUse(store, { ...key, payloadHash: 'other' })).toEqual({ kind: 'key-reused' });
  });
});
