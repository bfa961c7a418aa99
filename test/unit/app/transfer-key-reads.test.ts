/**
 * A transfer with a scoped key, group commit on: the legacy item is read once, before the command
 * joins its wallets' group, and not again where the scoped key is checked.
 */
import { describe, expect, it } from 'vitest';
import { enableGroupCommit } from '#app/group-commit.ts';
import { scopeIdempotency } from '#app/idempotency.ts';
import { transfer } from '#app/transfer.ts';
import type { EventStore } from '#ports/event-store.ts';
import { InMemoryGroupStore } from '../../support/in-memory-group-store.ts';

class CountingStore extends InMemoryGroupStore {
  readonly keysRead: string[] = [];
  override async findIdempotency(key: string) {
    this.keysRead.push(key);
    return super.findIdempotency(key);
  }
}

describe('a transfer’s key reads', () => {
  it('reads the legacy item once and the scoped one once, new key or used', async () => {
    const store = new CountingStore();
    enableGroupCommit(store);
    await store.append({
      walletId: 'w1',
      lane: 0,
      expected: { version: 0, hash: '' },
      events: [
        { type: 'Deposited', data: { amountMinor: 100n, occurredAtMs: 1 }, eventId: 'd1', recordedAtMs: 1 },
      ],
    });
    const idempotency = scopeIdempotency({ namespace: 'transfers', owner: 'client' }, 'k1', 'h1');
    const send = () =>
      transfer(
        { store: store as EventStore, clock: { nowMs: () => 5 }, ids: { newId: () => 't1' } },
        {
          from: 'w1',
          to: 'w2',
          asset: 'money',
          amount: 10n,
          idempotency,
          respond: (transferId) => ({ statusCode: 201, body: transferId }),
        },
      );
    expect(await send()).toMatchObject({ kind: 'recorded' });
    expect([...store.keysRead].sort()).toEqual([idempotency.key, 'k1'].sort());
    store.keysRead.length = 0;
    expect(await send()).toMatchObject({ kind: 'replayed' });
    expect([...store.keysRead].sort()).toEqual([idempotency.key, 'k1'].sort());
  });
});
