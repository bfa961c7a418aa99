/**
 * Group commit per wallet head, inside one process. Commands on the same wallet and placement
 * (lane 0, or the wallet's commuting lanes) queue behind a single in-flight transaction; one turn
 * after it ends (nextTurn: callers it answered may send again), every waiting command goes into the next one:
 *
 * - the batch is decided in queue order against the current state, each command against the
 *   state its predecessors in the batch leave (lane 0 folds their events in), so a spend that
 *   would overdraw is refused exactly as it would be one at a time;
 * - the decided events and every command's key are appended in ONE transaction (appendGroup,
 *   ≤ 100 items); only then is any caller answered, a refusal too (decided on the batch's state);
 * - a lost race places and decides the whole batch again; a key found used answers that caller as
 *   a replay and decides the rest again without it;
 * - any other failure reaches the callers whose events were in that transaction (it may have
 *   committed: as alone, they retry with their key), and the others run alone.
 *
 * A command that finds no transaction in flight runs at once: a quiet wallet pays nothing. A lane-0
 * one decides on the state its wallet's last batch left (group-commit-carry.ts), in a transaction
 * of its own; others run alone (command-handler.ts).
 *
 * This module queues; the batch itself is group-commit-batch.ts. Every lane-0 command takes that
 * path, but a credit (deposit, ingest) only when two or more wait on one wallet at once in one
 * process: a Lambda instance serves one record at a time, so a credit-only function practically
 * never does, and loads it with `import()` on its first batch. The lane-0 writers' composition
 * imports it statically (composition/lane-zero.ts), so in their bundles it is in the cold start
 * and the `import()` only resolves what is already evaluated.
 */
import type { WalletCommand } from '#domain/wallet.ts';
import type { EventStore } from '#ports/event-store.ts';
import { isGroupEnabled } from './group-commit-enabled.ts';
import { registerJoin } from './group-commit-join.ts';
import {
  type Alone,
  type AnyOutcome,
  type AnyWrite,
  type Group,
  nextTurn,
  runAlone,
  takeBatch,
  type Waiting,
} from './group-commit-queue.ts';
import { taint } from './group-commit-taint.ts';
import { callerTrace } from './group-commit-trace.ts';
import type { CommandHandlerDeps, WalletWrite, WriteOutcome } from './write-outcome.ts';

export { enableGroupCommit, isGroupEnabled } from './group-commit-enabled.ts';

type BatchPath = Pick<typeof import('./group-commit-batch.ts'), 'commitBatch'>;
/** The batch path (group-commit-batch.ts), once loaded with `import()` (see the file comment). */
let loaded: BatchPath | undefined;
let loading: Promise<BatchPath> | undefined;

/** A batch through the batch path: loaded, else loaded now. */
function commitBatch(batch: Waiting[], group: Group, alone: Alone): Promise<void> {
  if (loaded !== undefined) return loaded.commitBatch(batch, group, alone);
  loading ??= import('./group-commit-batch.ts').then((module) => {
    loaded = module;
    return module;
  });
  // A failed load is not kept: the next batch tries again.
  return loading.then(
    (module) => module.commitBatch(batch, group, alone),
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
}

/** A wallet's queue, with the single path its commands take alone (command-alone.ts, handed in). */
type Queue = Group & { alone: Alone };

/** Per store (a batch commits through one store), per wallet and placement. */
const groupsByStore = new WeakMap<EventStore, Map<string, Queue>>();

const keyOf = (write: { placement: string; walletId: string }) => `${write.placement}\u0000${write.walletId}`;

// A write that never groups by itself (a correction) joins its wallet's lane-0 queue while one
// runs in this process: alone it would lose every race to batches that follow each other.
registerJoin((deps, write) => {
  const queue = groupsByStore.get(deps.store)?.get(keyOf(write));
  return queue?.running ? commitInGroup(deps, write, queue.alone) : undefined;
});

/** deps.groupCommit decides; else whether the store was enabled. Needs EventStore.appendGroup. */
export const groupCommitOn = (deps: CommandHandlerDeps): boolean =>
  deps.store.appendGroup !== undefined && (deps.groupCommit ?? isGroupEnabled(deps.store));

export function commitInGroup<C extends WalletCommand>(
  deps: CommandHandlerDeps,
  write: WalletWrite<C>,
  alone: Alone,
): Promise<WriteOutcome<C>> {
  const groups = groupsByStore.get(deps.store) ?? new Map<string, Queue>();
  groupsByStore.set(deps.store, groups);
  const key = keyOf(write);
  let group = groups.get(key);
  if (group === undefined) {
    group = { running: false, waiting: [], alone };
    groups.set(key, group);
  }
  const joined = group;
  const answer = new Promise<AnyOutcome>((resolve, reject) => {
    joined.waiting.push({
      deps,
      write: write as unknown as AnyWrite,
      context: callerTrace(),
      resolve,
      reject,
    });
  });
  if (!joined.running) void drain(groups, key, joined, alone);
  if (write.placement === 'lane-0') return answer as Promise<WriteOutcome<C>>;
  // A credit in another lane: the wallet's carried lane-0 state (group-commit-carry.ts) is dropped
  // before its caller hears of it, so whatever the caller does next sees it.
  return answer.finally(() => taint(write.walletId)) as Promise<WriteOutcome<C>>;
}

async function drain(groups: Map<string, Queue>, key: string, group: Queue, alone: Alone): Promise<void> {
  group.running = true;
  try {
    while (group.waiting.length > 0) {
      const batch = takeBatch(group.waiting);
      const [only] = batch as [Waiting];
      // A lone lane-0 command takes the batch path too, in a transaction of its own: it decides on
      // the state the wallet's last batch left (group-commit-carry.ts: no reads) and leaves one.
      if (batch.length === 1 && only.write.placement !== 'lane-0') {
        await runAlone(only, alone);
      } else {
        await commitBatch(batch, group, alone).catch((error: unknown) => {
          // A bug in the batch itself, its module failed to load, or a read failed: no caller waits
          // forever. What the batch deferred is back in the queue, not in the failed batch: it runs
          // in the next one and hears its own answer, not this error.
          for (const entry of batch) if (!group.waiting.includes(entry)) entry.reject(error);
        });
      }
      await nextTurn();
    }
  } finally {
    group.running = false;
    if (group.waiting.length === 0) groups.delete(key);
  }
}
