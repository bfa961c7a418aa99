import type { EventStore } from '#ports/event-store.ts';
import type { StoredEvent } from './table-layout/event-item-fast.ts';

/**
 * `store` with EventStore.walletAndHead, from its whole-log read (event-store-base.ts readWallet:
 * one paged Query of the wallet's own partition, then its shard lanes, each event with its hash):
 * lane 0 comes first there, read dense from version 1, so its last event read is its head as the
 * read found it (a page boundary inside lane 0 only moves that head later, never leaves a hole).
 * Given by the compositions of the writers that send a state early (holds, two-wallet commands,
 * the payment webhook: app/exact-state.ts exactStateEarly), not by the store's class, so no other
 * bundle carries it.
 */
export function withWalletAndHead<S extends EventStore>(store: S): S {
  const { readWallet } = store;
  if (readWallet === undefined || store.walletAndHead !== undefined) return store;
  store.walletAndHead = async (walletId) => {
    const events = (await readWallet.call(store, walletId)) as StoredEvent[];
    const last = events.findLast((event) => event.lane === 0);
    return {
      events,
      head: last === undefined ? { version: 0, hash: '' } : { version: last.version, hash: last.hash },
    };
  };
  return store;
}
