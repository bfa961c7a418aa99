/**
 * Which stores commit in groups (group-commit.ts), in a module of its own: the composition marks
 * the process's store here for every function that builds one, and a function whose cold start
 * never writes (a replay page) then bundles the mark without the group commit it governs.
 */
import type { EventStore } from '#ports/event-store.ts';

/** Stores whose commands commit in groups unless a caller says otherwise (see enableGroupCommit). */
const enabledStores = new WeakSet<EventStore>();

/** Commands through this store commit in groups (composition enables the process's store; tests standing for several processes do not). */
export function enableGroupCommit(store: EventStore): void {
  enabledStores.add(store);
}

/** Whether enableGroupCommit was called for the store (group-commit.ts and group-commit-two.ts ask). */
export const isGroupEnabled = (store: EventStore): boolean => enabledStores.has(store);
