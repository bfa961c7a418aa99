/**
 * review3 (s22-writes): a key item written before keys were scoped (the bare client key) still
 * answers a hold and a transfer sent with the scoped key (legacyKey = the bare key), with the
 * state read sent early and thrown away: replayed, nothing recorded again. A legacy item of
 * another body is ignored (by design: idempotency.ts priorUse), so the request is recorded.
 */
import { describe, expect, it } from 'vitest';
import { holdAction } from '#app/holds.ts';
import { scopeIdempotency } from '#app/idempotency.ts';
import type { EventStore } from '#ports/event-store.ts';
import { funded, InMemoryGroupStore } from '../../support/in-memory-group-store.ts';
import { moneyTransfer } from '../../support/lane-zero-writes.ts';

const holdOn = (
  store: EventStore,
  groupCommit: boolean,
  idempotency: { key: string; payloadHash: string; legacyKey?: string; reference?: string },
  id: string,
) => {
  // groupCommit rides along as in spend-first-rounds (the command handler reads it).
  const deps = { store, clock: { nowMs: () => 5 }, ids: { newId: () => id }, groupCommit };
  return holdAction(
    deps,
    { walletId: 'w1', idempotency, respond: () => ({ statusCode: 201, body: id }) },
    { kind: 'place', asset: 'money', amount: 30n, expiresInMs: 60_000 },
  );
};

describe.each([true, false])('review3: legacy key items answer spends (group commit %s)', (groupCommit) => {
  it('a hold: replayed from the bare key item, nothing recorded again; another body is a new hold', async () => {
    const table = await funded(new InMemoryGroupStore());
    const first = await holdOn(table, groupCommit, { key: 'k-old', payloadHash: 'p' }, 'h1');
    expect(first.kind).toBe('recorded');
    const fresh = new Proxy(table, {
      get: (t, p) => {
        const v: unknown = Reflect.get(t, p);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
    }) as EventStore;
    const again = await holdOn(
      fresh,
      groupCommit,
      scopeIdempotency({ namespace: 'holds', owner: 'c' }, 'k-old', 'p'),
      'h2',
    );
    expect(again).toEqual({ kind: 'replayed', response: { statusCode: 201, body: 'h1' } });
    expect((await table.head('w1', 0)).version).toBe(2);
    const other = await holdOn(
      fresh,
      groupCommit,
      scopeIdempotency({ namespace: 'holds', owner: 'c' }, 'k-old', 'q'),
      'h3',
    );
    expect(other.kind).toBe('recorded');
    expect((await table.head('w1', 0)).version).toBe(3);
  });

  it('a transfer: replayed from the bare key item, nothing recorded again', async () => {
    const table = await funded(new InMemoryGroupStore());
    const deps = {
      store: table as EventStore,
      clock: { nowMs: () => 5 },
      ids: { newId: () => 't1' },
      groupCommit,
    };
    expect((await moneyTransfer(deps, { key: 'k-t', payloadHash: 'p' }, 10n)).kind).toBe('recorded');
    const again = await moneyTransfer(
      { ...deps, ids: { newId: () => 't2' } },
      scopeIdempotency({ namespace: 'transfers', owner: 'c' }, 'k-t', 'p'),
      10n,
    );
    expect(again).toMatchObject({ kind: 'replayed' });
    expect((await table.head('w1', 0)).version).toBe(2);
  });
});
