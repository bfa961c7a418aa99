/**
 * A transfer with a scoped key, group commit on: the legacy item is read once, before the command
 * joins its wallets' group, and not again; the scoped item is not read first (the append's
 * create-only key item answers a used key), only before a refusal.
 */
import { describe, expect, it } from 'vitest';
import { enableGroupCommit } from '#app/group-commit.ts';
import { scopeIdempotency } from '#app/idempotency.ts';
import type { EventStore } from '#ports/event-store.ts';
import { funded, InMemoryGroupStore } from '../../support/in-memory-group-store.ts';
import { moneyTransfer } from '../../support/lane-zero-writes.ts';

class CountingStore extends InMemoryGroupStore {
  readonly keysRead: string[] = [];
  override async findIdempotency(key: string) {
    this.keysRead.push(key);
    return super.findIdempotency(key);
  }
}

describe('a transfer’s key reads', () => {
  it('reads the legacy item once, new key or used; the scoped one only before a refusal', async () => {
    const store = new CountingStore();
    enableGroupCommit(store);
    await funded(store);
    const idempotency = scopeIdempotency({ namespace: 'transfers', owner: 'client' }, 'k1', 'h1');
    const send = (amount = 10n) =>
      moneyTransfer(
        { store: store as EventStore, clock: { nowMs: () => 5 }, ids: { newId: () => 't1' } },
        idempotency,
        amount,
      );
    expect(await send()).toMatchObject({ kind: 'recorded' });
    expect(store.keysRead).toEqual(['k1']);
    store.keysRead.length = 0;
    expect(await send()).toMatchObject({ kind: 'replayed' });
    expect(store.keysRead).toEqual(['k1']);
    store.keysRead.length = 0;
    expect(await send(95n)).toMatchObject({ kind: 'replayed' });
    expect(store.keysRead).toEqual(['k1', idempotency.key]);
  });
});
