import { type CardAction, cardAction } from '#app/cards.ts';
import { builtInDecisionRules } from '#app/default-decision-rules.ts';
import { sweepExpiries } from '#app/expiry-sweep.ts';
import { enableGroupCommit } from '#app/group-commit.ts';
import { foldWallet, initialWalletState } from '#domain/wallet.ts';
import { InMemoryEventStore } from './in-memory-event-store.ts';

/**
 * Card account `a1` on an in-memory store with a clock the test moves, for the expiry-sweep tests:
 * `act` runs a card action and answers the authorization id, `sweep` runs the expiry sweep,
 * `released` lists the expiry releases in the log, `held` is the money the log holds pending.
 */
export function cardExpiryWorld(options: { startMs: number; ttlMs: number; groupCommit: boolean }) {
  const store = new InMemoryEventStore();
  if (options.groupCommit) enableGroupCommit(store);
  let ids = 0;
  const clock = { now: options.startMs, nowMs: () => clock.now };
  const deps = {
    store,
    clock,
    ids: { newId: () => `id${++ids}` },
    decisionRules: builtInDecisionRules,
    authorizationTtlMs: options.ttlMs,
  };
  const act = async (action: CardAction): Promise<string> => {
    const outcome = await cardAction(
      deps,
      {
        accountId: 'a1',
        idempotency: { key: `k${++ids}`, payloadHash: `h${ids}` },
        respond: (_events, { authorizationId }) => ({ statusCode: 201, body: authorizationId ?? '' }),
      },
      action,
    );
    if (outcome.kind !== 'recorded') throw new Error(`not recorded: ${outcome.kind}`);
    return outcome.response.body;
  };
  const sweep = () => sweepExpiries({ store, expiries: store.tradingIndex, clock, ids: deps.ids });
  const released = () =>
    store
      .storedEvents('a1')
      .filter((event) => event.type === 'HoldReleased' && event.data.reason === 'expired');
  const held = () => foldWallet(store.storedEvents('a1'), initialWalletState()).balances.money.held;
  return { store, clock, act, sweep, released, held };
}
