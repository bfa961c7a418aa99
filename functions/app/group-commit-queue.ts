/**
 * The queue of one wallet's group commit (group-commit.ts): who waits, how a batch is taken from
 * the waiting commands, and how each caller is answered.
 */
import type { WalletCommand } from '#domain/wallet.ts';
import type { TraceContext } from '#ports/tracing.ts';
import { inCallerTrace } from './group-commit-trace.ts';
import { HeadCache } from './head-cache.ts';
import { defaultRetryPolicy, instanceHeads } from './placement.ts';
import type { CommandHandlerDeps, WalletWrite, WriteOutcome } from './write-outcome.ts';

/** At most this many commands wait in one batch (each is answered only after the batch commits). */
export const GROUP_COMMANDS_MAX = 64;

export type AnyWrite = WalletWrite<WalletCommand>;
export type AnyOutcome = WriteOutcome<WalletCommand>;
export type Alone = (deps: CommandHandlerDeps, write: AnyWrite) => Promise<AnyOutcome>;

export interface Waiting {
  deps: CommandHandlerDeps;
  write: AnyWrite;
  /** The caller's trace context: its events and any run alone stay in its trace. */
  context: TraceContext | undefined;
  resolve: (outcome: AnyOutcome) => void;
  reject: (error: unknown) => void;
}

export interface Group {
  running: boolean;
  waiting: Waiting[];
}

/**
 * The waiting commands in order, one per idempotency key: DynamoDB refuses two operations on one
 * item in a transaction, so a twin waits for the next batch, where its key is found used.
 */
export function takeBatch(waiting: Waiting[]): Waiting[] {
  const batch: Waiting[] = [];
  const keys = new Set<string>();
  for (let index = 0; index < waiting.length && batch.length < GROUP_COMMANDS_MAX; ) {
    const entry = waiting[index] as Waiting;
    const key = entry.write.idempotency?.key;
    if (key !== undefined && keys.has(key)) {
      index++;
      continue;
    }
    if (key !== undefined) keys.add(key);
    batch.push(entry);
    waiting.splice(index, 1);
  }
  return batch;
}

/** One command through the single path, in its own caller's trace. */
export const runAlone = (entry: Waiting, alone: Alone): Promise<void> =>
  inCallerTrace(entry.context, () => alone(entry.deps, entry.write)).then(entry.resolve, entry.reject);

/** Answers each caller in turn; an answer that throws reaches only its own caller. */
export async function settle(answers: [Waiting, () => Promise<AnyOutcome>][]): Promise<void> {
  for (const [entry, answer] of answers) await answer().then(entry.resolve, entry.reject);
}

/** The longest pause between two lost races of one batch (the pause doubles from 4 ms). */
const LOST_RACE_PAUSE_MAX_MS = 64;

/** The pause after the `attempt`-th lost race in a row of one batch: jittered, at most LOST_RACE_PAUSE_MAX_MS. */
export const pause = (deps: CommandHandlerDeps, attempt: number): Promise<void> => {
  const { sleep, random } = deps.retry ?? defaultRetryPolicy;
  return sleep(random() * Math.min(LOST_RACE_PAUSE_MAX_MS, 2 ** attempt));
};

/**
 * After a batch: one turn of the event loop before the next is taken, so the callers it just
 * answered that send again at once (a client's next request, decided in microtasks) join the
 * commands already waiting, in one transaction, instead of the waiting ones going alone first and
 * the rest after them (two transactions, each caller waiting through both).
 */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Batches of one wallet's commuting credits (any-lane placement) in flight at once in one process,
 * each slot on a lane of its own. With one, a hot wallet's process commits one transaction at a
 * time and the batch after it waits out the whole round trip; with two, the next batch is on its
 * way while one is in flight. Lane-0 commands stay one at a time: each decides on the state the
 * last one left.
 */
export const ANY_LANE_SLOTS = 2;

/** The slots in use: ANY_LANE_SLOTS, or 1 where a benchmark measures the one-at-a-time path beside it. */
export const anyLaneSlots = { count: ANY_LANE_SLOTS };

/** The group of slot `slot` of a wallet and placement (slot 0 keeps the key group commit always had). */
export const slotKey = (base: string, slot: number): string => (slot === 0 ? base : `${base}\u0000${slot}`);

/**
 * The slot a new command joins: the first slot with no batch in flight (it runs at once: a quiet
 * wallet pays nothing), else the one with the fewest commands waiting.
 */
export function pickSlot(groups: ReadonlyMap<string, Group>, base: string, slots: number): number {
  let chosen = 0;
  let fewest = Number.POSITIVE_INFINITY;
  for (let slot = 0; slot < slots; slot++) {
    const group = groups.get(slotKey(base, slot));
    if (group === undefined || !group.running) return slot;
    if (group.waiting.length < fewest) {
      chosen = slot;
      fewest = group.waiting.length;
    }
  }
  return chosen;
}

/** The group key and slot of a new command (pickSlot over its wallet's and placement's slots). */
export function slotFor(
  groups: ReadonlyMap<string, Group>,
  write: Pick<AnyWrite, 'placement' | 'walletId'>,
): { key: string; slot: number } {
  const base = `${write.placement}\u0000${write.walletId}`;
  const slot = pickSlot(groups, base, write.placement === 'lane-0' ? 1 : anyLaneSlots.count);
  return { key: slotKey(base, slot), slot };
}

/** The extra slots' head caches, per head cache of the process (slot 0 uses the process's own). */
const slotHeads = new WeakMap<HeadCache, HeadCache[]>();

/**
 * The deps a slot's commands run with: slot k ≥ 1 remembers its own lane and head per wallet, so
 * two slots' batches do not start on one lane and race each other for its next version. A head
 * cache is a hint only: a wrong one costs a lost race, never a wrong write.
 */
export function slotDeps(deps: CommandHandlerDeps, slot: number): CommandHandlerDeps {
  if (slot === 0) return deps;
  const own = deps.heads ?? instanceHeads;
  const caches = slotHeads.get(own) ?? [];
  slotHeads.set(own, caches);
  caches[slot - 1] ??= new HeadCache();
  return { ...deps, heads: caches[slot - 1] };
}
