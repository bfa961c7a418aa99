import { enableGroupCommit } from '#app/group-commit.ts';
import type { EventStore } from '#ports/event-store.ts';

/**
 * The store one process writes through: with group commit, a handle of its own (group commit
 * queues per store object), enabled as composition enables the process's store. `coldStart`: the
 * instance's next call gets a new handle, with nothing cached (states, carries, queues), as a new
 * Lambda instance taking over has (without group commit, processes share the store's caches).
 */
export function processStores(
  store: EventStore,
  groupCommit: boolean,
): ((instance: number) => EventStore) & { coldStart(instance: number): void } {
  const stores = new Map<number, EventStore>();
  const storeOf = (instance: number): EventStore => {
    if (!groupCommit) return store;
    let mine = stores.get(instance);
    if (mine === undefined) {
      mine = new Proxy(store, {
        get(target, property) {
          const value: unknown = Reflect.get(target, property);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      enableGroupCommit(mine);
      stores.set(instance, mine);
    }
    return mine;
  };
  return Object.assign(storeOf, { coldStart: (instance: number) => void stores.delete(instance) });
}

/** The trading process's instance number in processStores (API instances are 0 …). */
export const TRADING_PROCESS = -1;

/** The card process's instance number (ops-cards.ts: the accounts function's own store). */
export const CARD_PROCESS = -2;
