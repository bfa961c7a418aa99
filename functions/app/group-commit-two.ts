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
 */
import type { RecordedEvent, WalletCommand } from '#domain/wallet.ts';
import {
  type EventStore,
  isVersionConflict,
  type StreamHead,
  type VersionConflictError,
} from '#ports/event-store.ts';
import { exactState } from './exact-state.ts';
import { isGroupEnabled } from './group-commit.ts';
import { GROUP_ITEMS_MAX } from './group-commit-items.ts';
import { callerTrace, inCallerTrace } from './group-commit-trace.ts';
import {
  type AnyWrite,
  type Decided,
  type Deps,
  decideInOrder,
  type Waiting,
} from './group-commit-two-decide.ts';
import { type KnownState, KnownStates, rememberCommitted } from './group-commit-two-states.ts';
import { defaultRetryPolicy, TWO_WALLET_ATTEMPTS_MAX, twoWalletBackoffMs } from './placement.ts';
import { outOfAttempts, type TwoWalletOutcome, type TwoWalletWrite } from './write-outcome.ts';

export type TwoAlone = (deps: Deps, write: AnyWrite) => Promise<TwoWalletOutcome>;

interface Queue {
  waiting: Waiting[];
  /** Wallets in a transaction of this process now. */
  busy: Set<string>;
  /** The states the last batches left, to decide the next on without reading. */
  known: KnownStates;
}

/**
 * The fewest items a command writes (a transfer: two events and its key). A batch takes at most
 * this many commands' worth of the item limit; the decision defers what does not fit after all.
 */
const ITEMS_PER_COMMAND_MIN = 3;

const queues = new WeakMap<EventStore, Queue>();

/** How many commands each two-wallet batch held (bench/ reads it). */
export const twoGroupStats = { batches: 0, commands: 0, largest: 0 };

export const twoGroupOn = (deps: Deps): boolean =>
  deps.store.appendTogetherGroup !== undefined && (deps.groupCommit ?? isGroupEnabled(deps.store));

export function commitTwoInGroup<C extends WalletCommand>(
  deps: Deps,
  write: TwoWalletWrite<C>,
  alone: TwoAlone,
): Promise<TwoWalletOutcome> {
  let queue = queues.get(deps.store);
  if (queue === undefined) {
    queue = { waiting: [], busy: new Set(), known: new KnownStates() };
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
          runAlone(batch[0] as Waiting, alone).finally(() => queue.known.forget(wallets))
        : commitBatch(batch, queue, alone).catch((error: unknown) => {
            queue.known.forget(wallets);
            for (const entry of batch) entry.reject(error);
          });
    void run.finally(() => {
      for (const id of wallets) queue.busy.delete(id);
      pump(queue, alone);
    });
  }
}

async function commitBatch(batch: Waiting[], queue: Queue, alone: TwoAlone): Promise<void> {
  const { deps } = batch[0] as Waiting;
  const retry = deps.retry ?? defaultRetryPolicy;
  let pending = batch;
  let conflicts = 0;
  let lastConflict: VersionConflictError | undefined;
  // Remembered states are used until the batch loses a race or would refuse on one: from then
  // on, every wallet of the batch is read (see group-commit-two-states.ts for why that is safe).
  let trustKnown = true;
  for (let attempt = 0; attempt < TWO_WALLET_ATTEMPTS_MAX && pending.length > 0; ) {
    const ids = [...new Set(pending.flatMap((entry) => entry.write.wallets.map((part) => part.walletId)))];
    const remembered = ids.map((id) => (trustKnown ? queue.known.get(id) : undefined));
    const read: KnownState[] = await Promise.all(
      ids.map((id, index) => remembered[index] ?? exactState(deps.store, id)),
    );
    for (const [index, id] of ids.entries()) {
      if (remembered[index] === undefined) queue.known.remember(id, read[index] as KnownState);
    }
    const heads = new Map(ids.map((id, index) => [id, (read[index] as KnownState).head]));
    const { decided, deferred, ...after } = decideInOrder(
      pending,
      heads,
      new Map(ids.map((id, i) => [id, (read[i] as KnownState).state])),
    );
    if (remembered.some((known) => known !== undefined) && decided.some((one) => one.kind === 'answer')) {
      // A refusal (or any answer without events) only on states read now: a remembered state may
      // lack a credit another lane got since, and the caller may have seen that credit answered.
      trustKnown = false;
      continue;
    }
    // Into the next batch: they were not decided into this one's states.
    queue.waiting.unshift(...deferred);
    pending = pending.filter((entry) => !deferred.includes(entry));
    const parts = decided.flatMap((one) => (one.kind === 'part' ? [one] : []));
    if (parts.length === 0) {
      await settle(decided.map((one) => [one.entry, (one as Extract<Decided, { kind: 'answer' }>).answer]));
      return;
    }
    const written = new Set(parts.flatMap((one) => one.part.events.map((events) => events.walletId)));
    let outcome: Awaited<ReturnType<NonNullable<EventStore['appendTogetherGroup']>>>;
    try {
      outcome = await (deps.store.appendTogetherGroup as NonNullable<EventStore['appendTogetherGroup']>)({
        heads: [...written].map((walletId) => ({ walletId, expected: heads.get(walletId) as StreamHead })),
        parts: parts.map((one) => one.part),
      });
    } catch (error) {
      // Lost or unknown: what the wallets hold now is read, not remembered.
      trustKnown = false;
      queue.known.forget(ids);
      if (!isVersionConflict(error)) {
        const wroteNothing = error instanceof Error && error.name === 'ValidationException';
        for (const { kind, entry } of decided) {
          if (kind === 'part' && !wroteNothing) entry.reject(error);
          else await runAlone(entry, alone);
        }
        return;
      }
      conflicts++;
      lastConflict = error;
      await retry.sleep(twoWalletBackoffMs(retry, attempt));
      attempt++;
      continue;
    }
    if (outcome.kind === 'keys-taken') {
      for (const { part, record } of outcome.taken) {
        const one = parts[part] as Extract<Decided, { kind: 'part' }>;
        const idempotency = one.part.idempotency;
        one.entry.resolve(
          idempotency && record.payloadHash === idempotency.payloadHash
            ? { kind: 'replayed', response: record.response }
            : { kind: 'key-reused' },
        );
        pending = pending.filter((entry) => entry !== one.entry);
      }
      continue;
    }
    twoGroupStats.batches++;
    twoGroupStats.commands += parts.length;
    twoGroupStats.largest = Math.max(twoGroupStats.largest, parts.length);
    rememberCommitted(queue.known, written, after, outcome.heads);
    const recorded = new Map(parts.map((one, index) => [one, outcome.parts[index] as RecordedEvent[][]]));
    await settle(
      decided.map((one) => [
        one.entry,
        one.kind === 'answer'
          ? one.answer
          : async () => {
              const [first, second] = recorded.get(one) ?? [];
              return {
                kind: 'recorded',
                events: [first ?? [], second ?? []],
                ...(one.response ? { response: one.response } : {}),
                conflicts,
              };
            },
      ]),
    );
    return;
  }
  await settle(
    pending.map((entry) => [
      entry,
      (): Promise<TwoWalletOutcome> =>
        outOfAttempts(deps.store, entry.write.idempotency, conflicts, lastConflict, 'group commit'),
    ]),
  );
}

/** One command through the single path, in its own caller's trace. */
function runAlone(entry: Waiting, alone: TwoAlone): Promise<void> {
  return inCallerTrace(entry.context, () => alone(entry.deps, entry.write)).then(entry.resolve, entry.reject);
}

async function settle(answers: [Waiting, () => Promise<TwoWalletOutcome>][]): Promise<void> {
  for (const [entry, answer] of answers) await answer().then(entry.resolve, entry.reject);
}
