/**
 * The vocabulary of a wallet write: what the command handler is given (WalletWrite, its deps)
 * and what it answers (WriteOutcome). Shared by command-handler.ts and group-commit.ts.
 */
import type { DomainError } from '#domain/errors.ts';
import type { Decider, RecordedEvent, WalletCommand, WalletEvent, WalletState } from '#domain/wallet.ts';
import type { EventStore, NewEvent, StoredResponse, VersionConflictError } from '#ports/event-store.ts';
import type { IndexChange } from '#ports/trading-index.ts';
import type { ExactState, SentRead, WalletFold } from './exact-state.ts';
import type { HeadCache } from './head-cache.ts';
import { type IdempotencyInput, type PriorUse, priorUse } from './idempotency.ts';
import type { FirstRead, RetryPolicy } from './placement.ts';
import { readIndexChangesOf } from './read-indexes.ts';

export interface CommandHandlerDeps {
  store: EventStore;
  retry?: RetryPolicy;
  /** Defaults to this instance's cache; tests and benchmarks pass their own. */
  heads?: HeadCache;
  /**
   * true: concurrent commands on one wallet in this process commit together (group-commit.ts)
   * when the store can (EventStore.appendGroup); false: each alone. Unset: as the store was set up
   * (enableGroupCommit, which composition calls for the process's store).
   */
  groupCommit?: boolean;
}

export type WalletWrite<C extends WalletCommand = WalletCommand> = (
  | {
      placement: 'any-lane';
      /** When the command started (a clock reading): tells a stale cached head from a live race. */
      startedAtMs: number;
      /** The first read, already sent (the command handler sends it with the legacy key). */
      firstRead?: FirstRead;
    }
  | {
      placement: 'lane-0';
      /**
       * The wallet's fold (the domain's `foldWallet`), named by the writer as it names its
       * decider: lane-0 commands decide on folded state; credits never fold, so their functions
       * bundle no fold.
       */
      fold: WalletFold;
      /** The first read, already sent (the command handler sends it with the legacy key's look-up). */
      firstState?: SentRead<ExactState>;
    }
) & {
  walletId: string;
  /** The command to decide, built from the state (for `any-lane`, the initial state): once per attempt. */
  command: (state: WalletState) => C | DomainError | Promise<C | DomainError>;
  /**
   * The decider of C's family (decideLedger, decideTrading, …), not the whole `decide`: the
   * function that sends the command bundles only the deciders it can call.
   */
  decide: Decider<C>;
  /** Gives the decided events their ids and record time. */
  stamp: (events: readonly WalletEvent[], command: C) => NewEvent[];
  /**
   * What the family's events change in the trading indexes and payment listings (IndexChangesOf),
   * as `decide` is the family's decider: the ledger's writes name ledger-indexes.ts
   * `ledgerIndexChanges` (nothing, and a refusal of any other event).
   */
  indexes: IndexChangesOf;
  idempotency?: IdempotencyInput;
  /** The response to store with the idempotency record; it may mention the versions the events take. */
  respond?: (events: RecordedEvent[]) => StoredResponse;
};

/** What the handler did: the vocabulary of outcomes.ts, with what use cases build theirs from. */
export type WriteOutcome<C extends WalletCommand = WalletCommand> =
  | {
      kind: 'recorded';
      events: RecordedEvent[];
      response?: StoredResponse;
      conflicts: number;
      /** What was decided on. */
      state: WalletState;
      command: C;
    }
  | { kind: 'unchanged'; state: WalletState; command: C }
  | { kind: 'replayed'; response: StoredResponse }
  | { kind: 'rejected'; error: DomainError }
  | { kind: 'key-reused' }
  | { kind: 'contended'; conflicts: number; lastConflict: VersionConflictError };

/**
 * What a write's events change in the trading index (offer book, expiries) and the payment
 * listings, from the state they were decided against: app/trading-index.ts `indexChangesOf` (all
 * of it), or app/payment-index.ts `paymentListingChangesOf` (a payment's own events). A write names
 * its family's, as it names its decider, so a function bundles only what its writes can change;
 * the ledger's writes name ledger-indexes.ts `ledgerIndexChanges`.
 */
export type IndexChangesOf = (
  walletId: string,
  state: WalletState,
  events: readonly WalletEvent[],
) => IndexChange[];

/**
 * Every index item an append writes beside its events, in the events' transaction: what the
 * write's `indexes` says (trading index, payment listings) and the read indexes (award ranges,
 * corrections: read-indexes.ts). `state` is what the events were decided against; they take the
 * versions after `expectedVersion` in `lane`. Every write path (alone or grouped, one wallet or
 * two) calls this.
 */
export function appendIndexOf(
  walletId: string,
  state: WalletState,
  lane: number,
  expectedVersion: number,
  events: readonly NewEvent[],
  indexes: IndexChangesOf,
): IndexChange[] {
  return [
    ...indexes(walletId, state, events),
    ...readIndexChangesOf(walletId, state, lane, expectedVersion, events),
  ];
}

/**
 * A refusal, unless the key says the request already took effect: a twin with the same key (a
 * client's retry racing its first try) may have committed after this one's read, and the state
 * it left (the funds it spent) is what refuses this one. Answering "insufficient funds" would tell
 * the client a transfer failed that happened. Found by `npm run sim` (racing-twin-refused). Only
 * refusals of keyed writes pay the extra read.
 */
export async function refusal(
  store: Pick<EventStore, 'findIdempotency'>,
  idempotency: IdempotencyInput | undefined,
  error: DomainError,
): Promise<{ kind: 'rejected'; error: DomainError } | NonNullable<PriorUse>> {
  const prior = idempotency && (await priorUse(store, idempotency));
  return prior ?? { kind: 'rejected', error };
}

/**
 * Nothing to write (every part decided no events): unchanged, unless the key says the request
 * already took effect, as refusal() answers a refusal. A retry whose first try took effect hears
 * that answer, alone (two-wallet-command.ts) or in a batch (group-commit-two-decide.ts).
 */
export async function unchanged(
  store: Pick<EventStore, 'findIdempotency'>,
  idempotency: IdempotencyInput | undefined,
): Promise<{ kind: 'unchanged' } | NonNullable<PriorUse>> {
  const prior = idempotency && (await priorUse(store, idempotency));
  return prior ?? { kind: 'unchanged' };
}

/**
 * Out of attempts, every write path answers alike: a keyed caller whose own twin (the same key)
 * won hears that (replayed, or key-reused); else it is contended, with the last conflict.
 */
export async function outOfAttempts(
  store: Pick<EventStore, 'findIdempotency'>,
  idempotency: IdempotencyInput | undefined,
  conflicts: number,
  lastConflict: VersionConflictError | undefined,
  who: string,
): Promise<
  NonNullable<PriorUse> | { kind: 'contended'; conflicts: number; lastConflict: VersionConflictError }
> {
  const prior = idempotency && (await priorUse(store, idempotency));
  if (prior) return prior;
  if (lastConflict === undefined) throw new Error(`${who}: out of attempts without a conflict`);
  return { kind: 'contended', conflicts, lastConflict };
}

/** A two-wallet command (two-wallet-command.ts): a transfer, an offer accepted. */
export interface TwoWalletWrite<C extends WalletCommand> {
  /** The two wallets (distinct) and the command each decides, built from its state once per attempt. */
  wallets: readonly [WalletPart<C>, WalletPart<C>];
  /** The decider of C's family, as WalletWrite.decide. */
  decide: Decider<C>;
  /** The index changes of C's family, as WalletWrite.indexes. */
  indexes: IndexChangesOf;
  stamp: (events: readonly WalletEvent[], command: C) => NewEvent[];
  idempotency?: IdempotencyInput;
  /** The response stored with the idempotency record, from the events as they will be recorded. */
  respond?: (events: readonly [RecordedEvent[], RecordedEvent[]]) => StoredResponse;
  /** Each wallet's exact state, already sent with the key's look-up (two-wallet-command.ts), where it was. */
  firstStates?: readonly [SentRead<ExactState> | undefined, SentRead<ExactState> | undefined];
}

export interface WalletPart<C extends WalletCommand> {
  walletId: string;
  /** One command, or several decided in turn (each against the state after the ones before). */
  command: (state: WalletState) => C | readonly C[] | DomainError;
}

export type TwoWalletOutcome =
  | {
      kind: 'recorded';
      events: [RecordedEvent[], RecordedEvent[]];
      response?: StoredResponse;
      conflicts: number;
    }
  | { kind: 'unchanged' }
  | { kind: 'replayed'; response: StoredResponse }
  | { kind: 'rejected'; error: DomainError }
  | { kind: 'key-reused' }
  | { kind: 'contended'; conflicts: number; lastConflict: VersionConflictError };
