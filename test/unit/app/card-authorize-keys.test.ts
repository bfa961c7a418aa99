import { describe, expect, it } from 'vitest';
import { type CardAction, type CardDeps, cardAction } from '#app/cards.ts';
import { builtInDecisionRules } from '#app/default-decision-rules.ts';
import { enableGroupCommit } from '#app/group-commit.ts';
import { readWallet } from '#app/read-events.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';

/**
 * An authorization's key is checked in its decision's transaction, not read up front: a repeat
 * with the same key and body still answers the first decision, byte for byte, and another body
 * is key-reused; nothing is decided twice, alone or in a group commit.
 */
class CountingStore extends InMemoryEventStore {
  lookups = 0;
  override async findIdempotency(key: string) {
    this.lookups++;
    return super.findIdempotency(key);
  }
}

const merchant = { id: 'm', mcc: '5942' };

function world(groupCommit: boolean) {
  const store = new CountingStore();
  if (groupCommit) enableGroupCommit(store);
  let ids = 0;
  const deps: CardDeps = {
    store,
    clock: { nowMs: () => 1_000 },
    ids: { newId: () => `id${++ids}` },
    decisionRules: builtInDecisionRules,
  };
  const act = (key: string, payloadHash: string, action: CardAction) =>
    cardAction(
      deps,
      {
        accountId: 'a1',
        idempotency: { key, payloadHash },
        respond: (events) => ({ statusCode: 201, body: JSON.stringify(events.map((e) => e.eventId)) }),
      },
      action,
    );
  return { store, act };
}

describe('authorization keys', () => {
  it.each([false, true])(
    'a repeat answers the first decision; another body is key-reused (group commit %s)',
    async (group) => {
      const w = world(group);
      await w.act('open', 'open', { kind: 'open', creditLimit: 10_000n, currency: 'EUR' });
      w.store.lookups = 0;
      const first = await w.act('k1', 'h1', { kind: 'authorize', amount: 500n, merchant });
      expect(first.kind).toBe('recorded');
      // No read of the key before deciding a fresh authorization.
      expect(w.store.lookups).toBe(0);
      const repeats = await Promise.all(
        Array.from({ length: 5 }, () => w.act('k1', 'h1', { kind: 'authorize', amount: 500n, merchant })),
      );
      for (const repeat of repeats) {
        expect(repeat.kind).toBe('replayed');
        if (repeat.kind === 'replayed' && first.kind === 'recorded')
          expect(repeat.response.body).toBe(first.response.body);
      }
      expect((await w.act('k1', 'other', { kind: 'authorize', amount: 900n, merchant })).kind).toBe(
        'key-reused',
      );
      const decided = (await readWallet(w.store, 'a1')).filter(
        (event) => event.type === 'AuthorizationDecided',
      );
      expect(decided).toHaveLength(1);
    },
  );
});
