/**
 * Group commit of two-wallet commands (transfers, offers accepted) inside one process: the
 * counterpart of group-commit.ts for two-wallet-command.ts. A command whose wallets are free runs
 * at once, alone; commands that arrive while one of their wallets is in a transaction wait, and
 * the next batch takes every waiting command whose wallets are free then:
 *
 * - each command is decided in queue order against the states the ones before it leave, so a
 *   transfer that would overdraw is refused exactly as it would be one at a time. A wallet's state
 *   is the one the last batch left (group-commit-two-states.ts: no read; a lane-0 write by anyone
 *   else makes the append fail), else it is read once (its exact lane-0 state); a refusal is
 *   only given on states read for the batch;
 * - all their events (lane 0 of each wallet, each conditioned on its head) and every command's key
 *   go in ONE transaction (EventStore.appendTogetherGroup, at most 100 items); callers are answered
 *   only after it commits;
 * - a lost race reads and decides the batch again; a used key answers that caller from its record
 *   and the rest are decided again without it; any other failure reaches the callers whose events
 *   were in the transaction, and the others run alone.
 *
 * Only a batch of two or more takes that path (group-commit-two-batch.ts, loaded with `import()`
 * the first time two commands wait at once); this module queues them and runs a batch of one
 * alone. A Lambda instance serves one invocation at a time, and no handler sends two commands at
 * once (a second one sent as the first is answered may wait a few microtasks, alone), so there no
 * batch holds two and the batch path is never loaded (docs/benchmarks.md, "Bundling").
 */
import type { WalletCommand } from '#domain/wallet.ts';
import type { EventStore } from '#ports/event-store.ts';
import { isGroupEnabled } from './group-commit-enabled.ts';
import { GROUP_ITEMS_MAX } from './group-commit-items.ts';
import { callerTrace } from './group-commit-trace.ts';
import type { AnyWrite, Deps, Waiting } from './group-commit-two-decide.ts';
import { type Queue, runAlone, type TwoAlone } from './group-commit-two-queue.ts';
import type { TwoWalletOutcome, TwoWalletWrite } from './write-outcome.ts';

export { type TwoAlone, twoGroupStats } from './group-commit-two-queue.ts';

/**
 * The batch path (group-commit-two-batch.ts), loaded the first time two commands wait at once: a
 * command alone never needs it (see the file comment), so a process that never batches never loads it.
 */
let batchPath: Promise<typeof import('./group-commit-two-batch.ts')> | undefined;
const loadBatchPath = () => {
  batchPath ??= import('./group-commit-two-batch.ts');
  return batchPath;
};

/**
 * The fewest items a command writes (a transfer: two events and its key). A batch takes at most
 * this many commands' worth of the item limit; the decision defers what does not fit after all.
 */
const ITEMS_PER_COMMAND_MIN = 3;

const queues = new WeakMap<EventStore, Queue>();

export const twoGroupOn = (deps: Deps): boolean =>
  deps.store.appendTogetherGroup !== undefined && (deps.groupCommit ?? isGroupEnabled(deps.store));

export function commitTwoInGroup<C extends WalletCommand>(
  deps: Deps,
  write: TwoWalletWrite<C>,
  alone: TwoAlone,
): Promise<TwoWalletOutcome> {
  let queue = queues.get(deps.store);
  if (queue === undefined) {
    queue = { waiting: [], busy: new Set() };
    queues.set(deps.store, queue);
  }
  const joined = queue;
  const answer = new Promise<TwoWalletOutcome>((resolve, reject) => {
    joined.waiting.push({
      deps,
      write: write as unknown as AnyWrite,
      context: callerTrace(),
      resolve,
      reject,
    });
  });
  pump(joined, alone);
  // Two wait at once: the next batch may hold both. Its code loads while the transaction ahead runs.
  if (joined.waiting.length >= 2) void loadBatchPath();
  return answer;
}

/** Starts a batch of every waiting command whose wallets are free, while there is one. */
function pump(queue: Queue, alone: TwoAlone): void {
  for (;;) {
    const batch: Waiting[] = [];
    const wallets = new Set<string>();
    const keys = new Set<string>();
    for (let index = 0; index < queue.waiting.length; ) {
      const entry = queue.waiting[index] as Waiting;
      const ids = entry.write.wallets.map((part) => part.walletId);
      const key = entry.write.idempotency?.key;
      // One command per key (a twin waits and finds the key used); at most ~3 items a command.
      const free = ids.every((id) => !queue.busy.has(id)) && !(key !== undefined && keys.has(key));
      if (!free || batch.length >= Math.floor(GROUP_ITEMS_MAX / ITEMS_PER_COMMAND_MIN)) {
        index++;
        continue;
      }
      batch.push(entry);
      queue.waiting.splice(index, 1);
      for (const id of ids) wallets.add(id);
      if (key !== undefined) keys.add(key);
    }
    if (batch.length === 0) return;
    // Taken until the batch ends: later commands on these wallets wait for the next one.
    for (const id of wallets) queue.busy.add(id);
    const run =
      batch.length === 1
        ? // Alone it writes lane 0 without telling us the heads: its wallets are read next time.
          runAlone(batch[0] as Waiting, alone).finally(() => queue.known?.forget(wallets))
        : loadBatchPath()
            .then((path) => path.commitBatch(batch, queue, alone))
            .catch((error: unknown) => {
              queue.known?.forget(wallets);
              // What the batch deferred is back in the queue: it runs next, with its own answer.
              for (const entry of batch) if (!queue.waiting.includes(entry)) entry.reject(error);
            });
    void run.finally(() => {
      for (const id of wallets) queue.busy.delete(id);
      pump(queue, alone);
    });
  }
}
