/**
 * The command handler (Emmett's CommandHandler): the one place a wallet command becomes stored
 * events. It loads the state, asks the decider, appends at the expected version, and on a
 * version conflict, only then, decides again, a bounded number of times.
 *
 * Where a command goes depends on whether its events commute with the wallet's others:
 * - `any-lane` (credits: deposits, facts and their points): decided without state (the decider
 *   needs none for them, so nothing is read), appended to whichever lane is free; see `anyLane`.
 * - `lane-0` (decided against exact state: corrections, rule applications; debits and holds
 *   next): the whole log is read and folded, and the append is conditioned on lane 0's head;
 *   a lost race reads again and decides again.
 */
import { type DomainError, isDomainError } from '#domain/errors.ts';
import {
  decide,
  foldWallet,
  initialWalletState,
  type RecordedEvent,
  type WalletCommand,
  type WalletEvent,
  type WalletState,
} from '#domain/wallet.ts';
import {
  type EventStore,
  HOT_LANES_FROM,
  isVersionConflict,
  LANES_MAX,
  type NewEvent,
  type StoredResponse,
  type VersionConflictError,
} from '#ports/event-store.ts';
import { HeadCache, type LaneHead } from './head-cache.ts';
import { type IdempotencyInput, legacyReplay, type PriorUse, priorUse } from './idempotency.ts';
import { readWallet } from './read-events.ts';
import { readIndexChangesOf } from './read-indexes.ts';
import { indexChangesOf } from './trading-index.ts';

export interface RetryPolicy {
  attemptsMax: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  sleep: (ms: number) => Promise<void>;
  /** In [0, 1): jitter and lane choice. */
  random: () => number;
}

/**
 * Bounded: at most 30 attempts and 20 ms of jittered pause per lane move. 16 writers on one wallet
 * need a handful at most, but random lane choices can collide several times in a row (a 12-attempt
 * bound failed 1 deposit in ~3,000 in bench/); 30 makes that vanishingly rare.
 */
export const defaultRetryPolicy: RetryPolicy = {
  attemptsMax: 30,
  backoffBaseMs: 1,
  backoffCapMs: 20,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/** How often a lane-0 decision is made again when another writer appended to lane 0 first. */
export const LANE0_ATTEMPTS_MAX = 10;

/**
 * A winner recorded this long before our command started was not racing us: our cached head was
 * stale. Concurrent writers start within a request's latency of each other.
 */
const STALE_HEAD_MARGIN_MS = 1_000;

/** Heads seen by this function instance; shared by every invocation a warm container serves. */
const instanceHeads = new HeadCache();

export interface CommandHandlerDeps {
  store: EventStore;
  retry?: RetryPolicy;
  /** Defaults to this instance's cache; tests and benchmarks pass their own. */
  heads?: HeadCache;
}

export type WalletWrite<C extends WalletCommand = WalletCommand> = (
  | {
      placement: 'any-lane';
      /** When the command started (a clock reading): tells a stale cached head from a live race. */
      startedAtMs: number;
    }
  | { placement: 'lane-0' }
) & {
  walletId: string;
  /** The command to decide, built from the state (for `any-lane`, the initial state): once per attempt. */
  command: (state: WalletState) => C | DomainError | Promise<C | DomainError>;
  /** Gives the decided events their ids and record time. */
  stamp: (events: readonly WalletEvent[], command: C) => NewEvent[];
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

/** Where the next attempt appends, and the state it decides against. */
interface Position {
  at: LaneHead;
  state: WalletState;
}

interface Placement {
  attemptsMax: number;
  start(): Promise<Position>;
  /** Where to try after losing a race at `from` (the `attempt`-th attempt, from 0). */
  next(from: Position, conflict: VersionConflictError, attempt: number): Promise<Position>;
  remember(at: LaneHead): void;
}

export async function handleCommand<C extends WalletCommand>(
  deps: CommandHandlerDeps,
  write: WalletWrite<C>,
): Promise<WriteOutcome<C>> {
  const placement =
    write.placement === 'any-lane'
      ? anyLane(deps, write.walletId, write.startedAtMs)
      : lane0(deps.store, write.walletId);
  if (write.idempotency && !write.respond)
    throw new Error('handleCommand: an idempotent write stores a response: pass respond');
  // A request answered before keys were scoped is answered the same, not recorded again.
  const legacy = await legacyReplay(deps.store, write.idempotency);
  if (legacy) return legacy;
  let position = await placement.start();
  let conflicts = 0;
  let lastConflict: VersionConflictError | undefined;
  for (let attempt = 0; attempt < placement.attemptsMax; attempt++) {
    const command = await write.command(position.state);
    if (isDomainError(command)) return refusal(deps.store, write.idempotency, command);
    const decision = decide(command, position.state);
    if (isDomainError(decision)) return refusal(deps.store, write.idempotency, decision);
    if (decision.length === 0) return { kind: 'unchanged', state: position.state, command };
    const events = write.stamp(decision, command);
    const { lane, head } = position.at;
    const response = write.respond?.(
      events.map((event, index) => ({
        ...event,
        walletId: write.walletId,
        lane,
        version: head.version + 1 + index,
        ...(write.idempotency
          ? { idempotencyKey: write.idempotency.reference ?? write.idempotency.key }
          : {}),
      })),
    );
    // Offer-book and expiry entries ride in the events' transaction (trading-index.ts).
    const index = indexChangesOf(write.walletId, position.state, decision);
    index.push(...readIndexChangesOf(write.walletId, position.state, lane, head.version, events));
    try {
      const outcome = await deps.store.append({
        walletId: write.walletId,
        lane,
        expected: head,
        events,
        ...(index.length > 0 ? { index } : {}),
        ...(write.idempotency && response ? { idempotency: { ...write.idempotency, response } } : {}),
      });
      switch (outcome.kind) {
        case 'appended':
          placement.remember({ lane, head: outcome.head });
          return {
            kind: 'recorded',
            events: outcome.events,
            ...(response ? { response } : {}),
            conflicts,
            state: position.state,
            command,
          };
        case 'duplicate':
          return { kind: 'replayed', response: outcome.record.response };
        case 'key-reused':
          return { kind: 'key-reused' };
      }
    } catch (error) {
      if (!isVersionConflict(error)) throw error;
      conflicts++;
      lastConflict = error;
      if (attempt + 1 >= placement.attemptsMax) break;
      position = await placement.next(position, error, attempt);
      placement.remember(position.at);
    }
  }
  if (write.idempotency) {
    // Out of attempts: perhaps our own twin (the same key) won.
    const record = await deps.store.findIdempotency(write.idempotency.key);
    if (record !== undefined) {
      return record.payloadHash === write.idempotency.payloadHash
        ? { kind: 'replayed', response: record.response }
        : { kind: 'key-reused' };
    }
  }
  if (lastConflict === undefined) throw new Error('handleCommand: out of attempts without a conflict');
  return { kind: 'contended', conflicts, lastConflict };
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
 * Commuting events go to the lane and head this instance last used for the wallet (no read), else
 * lane 0's head. A lost race returns the winner's event. If it was written well before this
 * command started, the head was only stale: re-read it. Otherwise the first retry goes straight
 * after the winner in the same lane, and a second loss in a row means the lane is hot: the
 * command moves to a random other lane after a short jittered pause. Writers that keep meeting
 * spread over lanes and stop contending, instead of queueing on one version.
 */
function anyLane(deps: CommandHandlerDeps, walletId: string, startedAtMs: number): Placement {
  const retry = deps.retry ?? defaultRetryPolicy;
  const heads = deps.heads ?? instanceHeads;
  // The decider needs no state for these commands: nothing is read to build one.
  const state = initialWalletState();
  let lostInARow = 0;
  return {
    attemptsMax: retry.attemptsMax,
    start: async () => ({
      at: heads.get(walletId) ?? { lane: 0, head: await deps.store.head(walletId, 0) },
      state,
    }),
    next: async ({ at: { lane, head } }, { taken }, attempt) => {
      const ceilingMs = Math.min(retry.backoffCapMs, retry.backoffBaseMs * 2 ** Math.min(attempt, 16));
      if (lane === 0 && head.version === 0 && taken === undefined) {
        // The wallet's first event failed with no winner (a TransactionConflict): lane 0 may still
        // be empty, and a wallet is found by its first lane-0 event (EventStore.walletIds, so
        // replay and backtest jobs), so the first event never leaves lane 0. Found by npm run sim.
        await retry.sleep(retry.random() * ceilingMs);
        return { at: { lane: 0, head: await deps.store.head(walletId, 0) }, state };
      }
      if (taken !== undefined && taken.recordedAtMs < startedAtMs - STALE_HEAD_MARGIN_MS) {
        // The winner was written before this command started: our head was stale (another
        // instance wrote meanwhile), not contended. Catch up in the same lane.
        return { at: { lane, head: await deps.store.head(walletId, lane) }, state };
      }
      if (taken !== undefined && ++lostInARow === 1) return { at: { lane, head: taken }, state };
      // Lost to concurrent writers twice in a row: this lane is hot, go elsewhere.
      await retry.sleep(retry.random() * ceilingMs);
      // The hot lanes only: a store may give each its own partition (see HOT_LANES_FROM).
      const hotLanes = LANES_MAX - HOT_LANES_FROM;
      const otherLane = HOT_LANES_FROM + Math.floor(retry.random() * hotLanes);
      const nextLane =
        otherLane === lane ? HOT_LANES_FROM + ((otherLane - HOT_LANES_FROM + 1) % hotLanes) : otherLane;
      lostInARow = 0;
      return { at: { lane: nextLane, head: await deps.store.head(walletId, nextLane) }, state };
    },
    remember: (at) => heads.remember(walletId, at),
  };
}

/**
 * Decided against the wallet's whole log, appended to lane 0 after the head read first: lane-0
 * events past it are left out of the state, so the append fails on them and the command is
 * decided again against a fresh read.
 */
function lane0(store: EventStore, walletId: string): Placement {
  const read = async (): Promise<Position> => {
    const head = await store.head(walletId, 0);
    const events = (await readWallet(store, walletId)).filter(
      (event) => event.lane !== 0 || event.version <= head.version,
    );
    return { at: { lane: 0, head }, state: foldWallet(events, initialWalletState()) };
  };
  return { attemptsMax: LANE0_ATTEMPTS_MAX, start: read, next: read, remember: () => {} };
}
