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

/** Group commit's batch path (group-commit-batch.ts), as the composition hands it in. */
type BatchPath = Pick<typeof import('./group-commit-batch.ts'), 'commitBatch'>;

const batchPaths = new WeakMap<EventStore, BatchPath>();

/**
 * The store's writers take the batch path with every lane-0 command: the composition hands it in
 * (a static import, so it is in the function's cold start). Without it group-commit.ts loads it
 * with `import()` on the first batch that is not a lone credit.
 */
export function handBatchPath(store: EventStore, path: BatchPath): void {
  batchPaths.set(store, path);
}

/** The batch path handed in for the store, if any (group-commit.ts). */
export const batchPathOf = (store: EventStore): BatchPath | undefined => batchPaths.get(store);
