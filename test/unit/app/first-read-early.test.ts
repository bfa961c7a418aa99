/**
 * A credit's reads before its append, counted in the rounds it waits on (as against a remote
 * table): a writer new to the wallet sends its first read (lane 0's head and the registry) with
 * the legacy key's look-up, so an ingested event or a keyed deposit waits once before its append,
 * not twice. The legacy key still answers first: a request answered before keys were scoped is
 * not recorded again.
 */
import { describe, expect, it } from 'vitest';
import { recordDeposit } from '#app/deposit.ts';
import { HeadCache } from '#app/head-cache.ts';
import type { IdempotencyInput } from '#app/idempotency.ts';
import type { EventStore } from '#ports/event-store.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import { Rounds } from '../../support/rounds.ts';

/** The store, its calls grouped in the rounds the caller waits on. */
function countedStore(inner: InMemoryEventStore) {
  const rounds = new Rounds();
  return { store: rounds.remote(inner as EventStore), rounds: () => rounds.list() };
}

/** A key as ingest and the HTTP routes scope it: the client's own text is the legacy key. */
const scoped = (legacyKey: string): IdempotencyInput => ({
  key: `event#5:bench#${legacyKey}`,
  payloadHash: 'h1',
  reference: legacyKey,
  legacyKey,
});

async function deposit(
  store: EventStore,
  options: { idempotency?: IdempotencyInput; heads?: HeadCache; groupCommit: boolean },
) {
  return recordDeposit(
    {
      store,
      clock: { nowMs: () => 1_700_000_000_000 },
      ids: { newId: () => 'e1' },
      heads: options.heads ?? new HeadCache(),
      groupCommit: options.groupCommit,
    },
    {
      walletId: 'w1',
      amountMinor: 100n,
      ...(options.idempotency ? { idempotency: options.idempotency } : {}),
      respond: () => ({ statusCode: 201, body: '{}' }),
    },
  );
}

describe('a credit new to its wallet, with a legacy key to look up', () => {
  it.each([true, false])(
    'reads the key and the wallet’s first head in one round, then appends (group commit %s)',
    async (groupCommit) => {
      const inner = new InMemoryEventStore();
      const { store, rounds } = countedStore(inner);
      const result = await deposit(store, { idempotency: scoped('k1'), groupCommit });
      expect(result.kind).toBe('recorded');
      expect(rounds()).toEqual([['findIdempotency', 'headAndLanes'], ['append']]);
      expect(await inner.head('w1', 0)).toMatchObject({ version: 1 });
    },
  );

  it('answers from the legacy key and appends nothing, even with the head read sent', async () => {
    const inner = new InMemoryEventStore();
    // The legacy item: the same request, answered before keys were scoped.
    await inner.append({
      walletId: 'other',
      lane: 0,
      expected: { version: 0, hash: '' },
      events: [
        { type: 'Deposited', data: { amountMinor: 1n, occurredAtMs: 1 }, eventId: 'old', recordedAtMs: 1 },
      ],
      idempotency: { key: 'k1', payloadHash: 'h1', response: { statusCode: 201, body: '{"old":true}' } },
    });
    const { store, rounds } = countedStore(inner);
    const result = await deposit(store, { idempotency: scoped('k1'), groupCommit: true });
    expect(result).toEqual({ kind: 'replayed', response: { statusCode: 201, body: '{"old":true}' } });
    expect(rounds()).toEqual([['findIdempotency', 'headAndLanes']]);
    expect(await inner.head('w1', 0)).toMatchObject({ version: 0 });
  });

  it('sends no head read where the instance has the wallet’s head, nor one early where there is no legacy key', async () => {
    const inner = new InMemoryEventStore();
    const heads = new HeadCache();
    heads.remember('w1', { lane: 0, head: { version: 0, hash: '' } });
    const cached = countedStore(inner);
    await deposit(cached.store, { idempotency: scoped('k1'), heads, groupCommit: false });
    expect(cached.rounds()).toEqual([['findIdempotency'], ['append']]);
    const unkeyed = countedStore(new InMemoryEventStore());
    await deposit(unkeyed.store, { groupCommit: false });
    expect(unkeyed.rounds()).toEqual([['headAndLanes'], ['append']]);
  });
});
