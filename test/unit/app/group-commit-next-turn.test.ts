import { describe, expect, it } from 'vitest';
import { cardAction } from '#app/cards.ts';
import { builtInDecisionRules } from '#app/default-decision-rules.ts';
import { enableGroupCommit } from '#app/group-commit.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';

/** A store whose transactions take a timer tick, as a round trip to DynamoDB takes I/O. */
class SlowStore extends InMemoryEventStore {
  transactions = 0;
  override async appendGroup(...args: Parameters<InMemoryEventStore['appendGroup']>) {
    this.transactions++;
    await new Promise((resolve) => setTimeout(resolve, 1));
    return super.appendGroup(...args);
  }
}

describe('group commit: callers answered by a batch that send again join the commands waiting', () => {
  it('4 clients sending back to back share one transaction per round, not two', async () => {
    const store = new SlowStore();
    enableGroupCommit(store);
    let ids = 0;
    const deps = {
      store,
      clock: { nowMs: () => 1_000_000 },
      ids: { newId: () => `id${++ids}` },
      decisionRules: builtInDecisionRules,
    };
    const act = (key: string, action: Parameters<typeof cardAction>[2]) =>
      cardAction(
        deps,
        {
          accountId: 'a1',
          idempotency: { key, payloadHash: key },
          respond: () => ({ statusCode: 201, body: key }),
        },
        action,
      );
    await act('open', { kind: 'open', creditLimit: 10n ** 9n, currency: 'EUR' });
    store.transactions = 0;
    const ROUNDS = 10;
    const CLIENTS = 4;
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        for (let round = 0; round < ROUNDS; round++) {
          const outcome = await act(`c${client}-${round}`, {
            kind: 'authorize',
            amount: 100n,
            merchant: { id: 'm', mcc: '5942' },
          });
          expect(outcome.kind).toBe('recorded');
        }
      }),
    );
    // The first command goes alone (no transaction in flight), the other three wait for it; from
    // then on every client answered sends again in the same turn and all four share a transaction.
    // Without the turn between batches the waiting one goes alone and the three after it: about
    // two transactions per round.
    expect(store.transactions).toBeLessThanOrEqual(ROUNDS + 2);
  });
});
