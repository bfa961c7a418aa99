/**
 * How a two-wallet batch (group-commit-two.ts) decides its commands: each in queue order against
 * the states the ones before it leave, and what goes into the one transaction. Split from
 * group-commit-two.ts, which queues, commits and answers.
 */
import { type DomainError, isDomainError } from '#domain/errors.ts';
import { foldWallet, type RecordedEvent, type WalletCommand, type WalletState } from '#domain/wallet.ts';
import type {
  AppendTogetherGroupRequest,
  EventStore,
  NewEvent,
  StoredResponse,
  StreamHead,
} from '#ports/event-store.ts';
import type { TraceContext } from '#ports/tracing.ts';
import { decideInTurn } from './exact-state.ts';
import { EXCLUSIVE, GROUP_ITEMS_MAX, indexItemOf } from './group-commit-items.ts';
import { withTrace } from './group-commit-trace.ts';
import { priorUse } from './idempotency.ts';
import type { RetryPolicy } from './placement.ts';
import {
  appendIndexOf,
  refusal,
  type TwoWalletOutcome,
  type TwoWalletWrite,
  unchanged,
} from './write-outcome.ts';

export type Deps = { store: EventStore; retry?: RetryPolicy; groupCommit?: boolean };
export type AnyWrite = TwoWalletWrite<WalletCommand>;

export interface Waiting {
  deps: Deps;
  write: AnyWrite;
  /** The caller's trace context: its events and any run alone stay in its trace. */
  context: TraceContext | undefined;
  resolve: (outcome: TwoWalletOutcome) => void;
  reject: (error: unknown) => void;
}

export type Decided =
  | {
      kind: 'part';
      entry: Waiting;
      part: AppendTogetherGroupRequest['parts'][number];
      response: StoredResponse | undefined;
    }
  | { kind: 'answer'; entry: Waiting; answer: () => Promise<TwoWalletOutcome> };

/**
 * Each command in order against the states the ones before leave (their events folded in at the
 * versions they will take; only the versions of `heads` are used). Deferred to the next batch:
 * what would not fit, or whose index entries touch an item already in the transaction.
 */
export function decideInOrder(
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
          : decideInTurn(
              part.walletId,
              head,
              state,
              commands,
              (events, command) => withTrace(write.stamp(events, command), entry.context),
              write.decide,
              foldWallet,
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
        answer: () => unchanged(entry.deps.store, write.idempotency),
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
      appendIndexOf(one.walletId, one.state, 0, one.head.version, one.events, write.indexes),
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
 * The answer, unless the command's key was used already: then what the key answered. Batches do
 * not read keys first (the transaction's create-only key item catches a used one), so an answer
 * that writes nothing checks it, as refusal() does for refusals.
 */
export async function unlessKeyUsed(
  entry: Waiting,
  otherwise: () => Promise<TwoWalletOutcome>,
): Promise<TwoWalletOutcome> {
  const used = entry.write.idempotency && (await priorUse(entry.deps.store, entry.write.idempotency));
  return used || otherwise();
}
