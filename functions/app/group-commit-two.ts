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
import { type DomainError, isDomainError } from '#domain/errors.ts';
import { foldWallet, type RecordedEvent, type WalletCommand, type WalletState } from '#domain/wallet.ts';
import {
  type AppendTogetherGroupRequest,
  type EventStore,
  isVersionConflict,
  type NewEvent,
  type StoredResponse,
  type StreamHead,
  type VersionConflictError,
} from '#ports/event-store.ts';
import type { TraceContext } from '#ports/tracing.ts';
import { decideInTurn, exactState } from './exact-state.ts';
import { isGroupEnabled } from './group-commit.ts';
import { EXCLUSIVE, GROUP_ITEMS_MAX, indexItemOf } from './group-commit-items.ts';
import { callerTrace, inCallerTrace, withTrace } from './group-commit-trace.ts';
import { type KnownState, KnownStates } from './group-commit-two-states.ts';
import { priorUse } from './idempotency.ts';
import {
  defaultRetryPolicy,
  type RetryPolicy,
  TWO_WALLET_ATTEMPTS_MAX,
  twoWalletBackoffMs,
} from './placement.ts';
import {
  appendIndexOf,
  outOfAttempts,
  refusal,
  type TwoWalletOutcome,
  type TwoWalletWrite,
} from './write-outcome.ts';

type Deps = { store: EventStore; retry?: RetryPolicy; groupCommit?: boolean };
type AnyWrite = TwoWalletWrite<WalletCommand>;
export type TwoAlone = (deps: Deps, write: AnyWrite) => Promise<TwoWalletOutcome>;

interface Waiting {
  deps: Deps;
  write: AnyWrite;
  /** The caller's trace context: its events and any run alone stay in its trace. */
  context: TraceContext | undefined;
  resolve: (outcome: TwoWalletOutcome) => void;
  reject: (error: unknown) => void;
}

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

type Decided =
  | {
      kind: 'part';
      entry: Waiting;
      part: AppendTogetherGroupRequest['parts'][number];
      response: StoredResponse | undefined;
    }
  | { kind: 'answer'; entry: Waiting; answer: () => Promise<TwoWalletOutcome> };

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

/**
 * Each command in order against the states the ones before leave (their events folded in at the
 * versions they will take; only the versions of `heads` are used). Deferred to the next batch:
 * what would not fit, or whose index entries touch an item already in the transaction.
 */
function decideInOrder(
  pending: readonly Waiting[],
  startHeads: ReadonlyMap<string, StreamHead>,
  startStates: ReadonlyMap<string, WalletState>,
): {
  decided: Decided[];
  deferred: Waiting[];
  heads: Map<string, StreamHead>;
  states: Map<string, WalletState>;
} {
  const heads = new Map(startHeads);
  const states = new Map(startStates);
  const decided: Decided[] = [];
  const deferred: Waiting[] = [];
  const touched = new Set<string>();
  let items = 0;
  for (const entry of pending) {
    const { write } = entry;
    // Arrival order holds: once one command waits for the next batch, so do all after it.
    if (deferred.length > 0) {
      deferred.push(entry);
      continue;
    }
    let decisions: { walletId: string; events: NewEvent[]; head: StreamHead; state: WalletState }[];
    try {
      decisions = [];
      let refused: DomainError | undefined;
      for (const part of write.wallets) {
        const head = heads.get(part.walletId) as StreamHead;
        const state = states.get(part.walletId) as WalletState;
        const commands = part.command(state);
        const events = isDomainError(commands)
          ? commands
          : decideInTurn(part.walletId, head, state, commands, (events, command) =>
              withTrace(write.stamp(events, command), entry.context),
            );
        if (isDomainError(events)) {
          refused = events;
          break;
        }
        decisions.push({ walletId: part.walletId, events, head, state });
      }
      if (refused !== undefined) {
        const error = refused;
        decided.push({
          kind: 'answer',
          entry,
          answer: () => refusal(entry.deps.store, write.idempotency, error),
        });
        continue;
      }
    } catch (error) {
      decided.push({
        kind: 'answer',
        entry,
        answer: () => unlessKeyUsed(entry, () => Promise.reject(error)),
      });
      continue;
    }
    const empty = decisions.filter((one) => one.events.length === 0).length;
    if (empty === decisions.length) {
      decided.push({
        kind: 'answer',
        entry,
        answer: () => unlessKeyUsed(entry, async () => ({ kind: 'unchanged' })),
      });
      continue;
    }
    if (empty > 0) {
      const error = new Error('handleTwoWalletCommand: one wallet decided events, the other none');
      decided.push({
        kind: 'answer',
        entry,
        answer: () => unlessKeyUsed(entry, () => Promise.reject(error)),
      });
      continue;
    }
    const index = decisions.flatMap((one) =>
      appendIndexOf(one.walletId, one.state, 0, one.head.version, one.events),
    );
    const size =
      decisions.reduce((sum, one) => sum + one.events.length, index.length) + (write.idempotency ? 1 : 0);
    const touches = index.map(indexItemOf);
    const clashes =
      touches.some((item) => item === undefined || touched.has(item)) ||
      (touched.has(EXCLUSIVE) && index.length > 0);
    if (items + size > GROUP_ITEMS_MAX || clashes) {
      if (decided.some((one) => one.kind === 'part')) {
        deferred.push(entry);
        continue;
      }
    }
    // EXCLUSIVE: an index item indexItemOf cannot name; no other indexed command joins it.
    for (const item of touches) touched.add(item ?? EXCLUSIVE);
    items += size;
    const reference = write.idempotency && (write.idempotency.reference ?? write.idempotency.key);
    const recorded = decisions.map(({ walletId, events, head }) =>
      events.map(
        (event, offset): RecordedEvent => ({
          ...event,
          walletId,
          lane: 0,
          version: head.version + 1 + offset,
          ...(reference === undefined ? {} : { idempotencyKey: reference }),
        }),
      ),
    ) as [RecordedEvent[], RecordedEvent[]];
    const response = write.respond?.(recorded);
    decided.push({
      kind: 'part',
      entry,
      part: {
        events: decisions.map(({ walletId, events }) => ({ walletId, events })),
        ...(index.length > 0 ? { index } : {}),
        ...(write.idempotency && response ? { idempotency: { ...write.idempotency, response } } : {}),
      },
      response,
    });
    // What the next commands see: these events folded in, each wallet's head moved past them.
    for (const [offset, { walletId, events, head, state }] of decisions.entries()) {
      heads.set(walletId, { version: head.version + events.length, hash: head.hash });
      states.set(walletId, foldWallet(recorded[offset] ?? [], state));
    }
  }
  return { decided, deferred, heads, states };
}

/**
 * What a committed batch leaves, to decide the next on: each written wallet's state after its
 * events, at the head the store reports. A store that reports none leaves the wallets to be read.
 */
function rememberCommitted(
  known: KnownStates,
  written: ReadonlySet<string>,
  decided: { heads: ReadonlyMap<string, StreamHead>; states: ReadonlyMap<string, WalletState> },
  reported: readonly { walletId: string; head: StreamHead }[] | undefined,
): void {
  for (const walletId of written) {
    const head = reported?.find((one) => one.walletId === walletId)?.head;
    const state = decided.states.get(walletId);
    // The version the decisions counted to must be the store's, or the state is not that head's.
    if (head === undefined || state === undefined || head.version !== decided.heads.get(walletId)?.version) {
      known.forget([walletId]);
    } else {
      known.remember(walletId, { head, state });
    }
  }
}

/**
 * The answer, unless the command's key was used already: then what the key answered. Batches do
 * not read keys first (the transaction's create-only key item catches a used one), so an answer
 * that writes nothing checks it, as refusal() does for refusals.
 */
async function unlessKeyUsed(
  entry: Waiting,
  otherwise: () => Promise<TwoWalletOutcome>,
): Promise<TwoWalletOutcome> {
  const used = entry.write.idempotency && (await priorUse(entry.deps.store, entry.write.idempotency));
  return used || otherwise();
}

/** One command through the single path, in its own caller's trace. */
function runAlone(entry: Waiting, alone: TwoAlone): Promise<void> {
  return inCallerTrace(entry.context, () => alone(entry.deps, entry.write)).then(entry.resolve, entry.reject);
}

async function settle(answers: [Waiting, () => Promise<TwoWalletOutcome>][]): Promise<void> {
  for (const [entry, answer] of answers) await answer().then(entry.resolve, entry.reject);
}
