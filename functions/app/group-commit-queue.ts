/**
 * The queue of one wallet's group commit (group-commit.ts): who waits, how a batch is taken from
 * the waiting commands, and how each caller is answered.
 */
import type { WalletCommand } from '#domain/wallet.ts';
import type { IdempotencyRecord, StoredResponse } from '#ports/event-store.ts';
import type { TraceContext } from '#ports/tracing.ts';
import { inCallerTrace } from './group-commit-trace.ts';
import { defaultRetryPolicy } from './placement.ts';
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
 * A batch's transaction found some callers' keys used (one- and two-wallet group commit alike):
 * those requests took effect before, so each is answered from the record (replayed, or key-reused
 * when the payload differs). Returns the waiting commands without them, to be decided again.
 */
export function answerTakenKeys<
  E extends {
    resolve(outcome: { kind: 'replayed'; response: StoredResponse } | { kind: 'key-reused' }): void;
  },
>(
  taken: readonly { part: number; record: IdempotencyRecord }[],
  parts: readonly { part: { idempotency?: { payloadHash: string } | undefined }; entry: E }[],
  pending: readonly E[],
): E[] {
  const answered = new Set<E>();
  for (const { part, record } of taken) {
    const one = parts[part];
    if (one === undefined) continue;
    const idempotency = one.part.idempotency;
    one.entry.resolve(
      idempotency && record.payloadHash === idempotency.payloadHash
        ? { kind: 'replayed', response: record.response }
        : { kind: 'key-reused' },
    );
    answered.add(one.entry);
  }
  return pending.filter((entry) => !answered.has(entry));
}
