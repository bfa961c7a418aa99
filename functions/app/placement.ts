/**
 * Where a wallet command's events go and what they are decided against (see command-handler.ts):
 * `anyLane` for credits that commute, `lane0` for commands decided against the whole log. Shared
 * by the command handler and group commit (group-commit.ts).
 */

import { initialWalletState } from '#domain/wallet/state.ts';
import type { WalletState } from '#domain/wallet.ts';
import {
  type EventStore,
  HOT_LANES_FROM,
  LANES_MAX,
  type StreamHead,
  type VersionConflictError,
} from '#ports/event-store.ts';
import { type ExactState, exactState, type SentRead, type WalletFold } from './exact-state.ts';
import type { Token } from './group-commit-taint.ts';
import { HeadCache, type LaneHead } from './head-cache.ts';

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
 * Many spenders of one hot wallet lose to each other (one wins per round), so a two-wallet
 * command (alone or in a group, two-wallet-command.ts and group-commit-two.ts) allows more rounds
 * than a single lane-0 command, spread out by jitter.
 */
export const TWO_WALLET_ATTEMPTS_MAX = 40;

/**
 * The pause after a two-wallet command's lost race grows to this cap (jittered): spenders of one
 * hot wallet that keep meeting spread out in time instead of cancelling each other's transactions
 * round after round.
 */
const TWO_WALLET_BACKOFF_CAP_MS = 250;

/** The jittered pause after the `attempt`-th (from 0) lost race of a two-wallet command. */
export function twoWalletBackoffMs(retry: RetryPolicy, attempt: number): number {
  const ceilingMs = Math.min(
    Math.max(retry.backoffCapMs, TWO_WALLET_BACKOFF_CAP_MS),
    Math.max(retry.backoffBaseMs, 5) * 2 ** Math.min(attempt, 16),
  );
  return retry.random() * ceilingMs;
}

/**
 * A winner recorded this long before our command started was not racing us: our cached head was
 * stale. Concurrent writers start within a request's latency of each other.
 */
const STALE_HEAD_MARGIN_MS = 1_000;

/** Heads seen by this function instance; shared by every invocation a warm container serves. */
export const instanceHeads = new HeadCache();

/** What a placement needs: the store, and optionally the retry policy and head cache. */
export interface PlacementDeps {
  store: EventStore;
  retry?: RetryPolicy;
  heads?: HeadCache;
}

/** Where the next attempt appends, and the state it decides against. */
export interface Position {
  at: LaneHead;
  state: WalletState;
  /** For a state sent early, the taint token taken before it was sent (ExactState's; group-commit-carry.ts). */
  sentAt?: Token | undefined;
}

export interface Placement {
  attemptsMax: number;
  start(): Promise<Position>;
  /** Where to try after losing a race at `from` (the `attempt`-th attempt, from 0). */
  next(from: Position, conflict: VersionConflictError, attempt: number): Promise<Position>;
  remember(at: LaneHead): void;
}

/** Lane 0's head, and the lane registry where the store reads both in one request. */
export type FirstRead = Promise<{ head: StreamHead; lanes?: number[] }>;

/** Which placement a write asks for (WalletWrite's own fields). */
export type PlacementRequest = { walletId: string } & (
  | {
      placement: 'any-lane';
      startedAtMs: number;
      /** The read a writer new to the wallet starts from, already sent (firstReadEarly). */
      firstRead?: FirstRead;
    }
  | {
      placement: 'lane-0';
      fold: WalletFold;
      /** The exact state a writer new to the wallet starts from, already sent (exactStateEarly). */
      firstState?: SentRead<ExactState>;
    }
);

/**
 * Where a write's events go: `anyLane` or `lane0` below. `forOthers`: the placement decides other
 * commands too (a group commit batch of several), so a lane-0 start reads now: the state sent with
 * this write's key look-up was read before they were asked for, and a refusal of theirs must stand
 * on a state read after.
 */
export function placementOf(deps: PlacementDeps, write: PlacementRequest, forOthers = false): Placement {
  return write.placement === 'any-lane'
    ? anyLane(deps, write.walletId, write.startedAtMs, write.firstRead)
    : lane0(deps.store, write.walletId, write.fold, forOthers ? undefined : write.firstState);
}

/**
 * An `any-lane` write's first read, sent now, when its placement will start with one (no head
 * cached for the wallet): so it goes out with a read the write waits on before (the command
 * handler's legacy key), not after it. Undefined when the start reads nothing. A read never used
 * (the key answered) was sent for nothing; its failure is then nobody's. (A `lane-0` write's, its
 * exact state, is sent by the use case that wants it: exact-state.ts exactStateEarly, `firstState`.)
 */
export function firstReadEarly(deps: PlacementDeps, write: PlacementRequest): FirstRead | undefined {
  if (write.placement !== 'any-lane' || (deps.heads ?? instanceHeads).get(write.walletId) !== undefined)
    return undefined;
  const read = headAndLanes(deps.store, write.walletId);
  read.catch(() => undefined);
  return read;
}

/**
 * Commuting events go to the lane and head this instance last used for the wallet (no read). A
 * writer new to the wallet reads lane 0's head and the lane registry in one request
 * (`headAndLanes`) and starts in lane 0 — the wallet's first event is always there.
 *
 * A lost race returns the winner's event. If it was written well before this command started, the
 * head was only stale: re-read it. Otherwise the loser met concurrent writers: it follows the
 * winner once in the same lane (two writers that met by chance: the loser's retry usually wins),
 * and a second loss in a row means the lane is hot: the command moves to a random hot lane after a
 * short jittered pause. A writer moves at its FIRST loss when the meeting is a burst, not chance:
 * it lost a new wallet's first event (16 new producers on a new wallet all race for lane 0's
 * version 1, and following there would only make 14 of them lose again), or the wallet already
 * has hot lanes, or it has just moved (another writer moved to the same lane). A move prefers a
 * hot lane that the registry read at the start does not name (nor a loss since, nor the registry a
 * lost opening came back with: then it moves without the jittered pause): its head is
 * known (empty) without a read. Writers that keep meeting spread over lanes and stop contending,
 * instead of queueing on one version.
 */
export function anyLane(
  deps: PlacementDeps,
  walletId: string,
  startedAtMs: number,
  firstRead?: FirstRead,
): Placement {
  const retry = deps.retry ?? defaultRetryPolicy;
  const heads = deps.heads ?? instanceHeads;
  // The decider needs no state for these commands: nothing is read to build one.
  const state = initialWalletState();
  let lostInARow = 0;
  /** The lanes known open, when this command read the registry (a writer new to the wallet). */
  let open: Set<number> | undefined;
  /** Sent before the start (firstReadEarly); used by the first start that reads, at most. */
  let sent = firstRead;
  return {
    attemptsMax: retry.attemptsMax,
    start: async () => {
      const cached = heads.get(walletId);
      if (cached !== undefined) return { at: cached, state };
      const read = sent ?? headAndLanes(deps.store, walletId);
      sent = undefined;
      const { head, lanes } = await read;
      open = lanes && new Set(lanes);
      // Writers that meet on a new wallet's first event (only one can take lane 0's version 1), or
      // on a wallet that already has hot lanes, are a burst: the loser moves at once. On a wallet
      // without them it follows the winner once, so a light collision opens no shard.
      if (head.version === 0 || lanes?.some((lane) => lane >= HOT_LANES_FROM)) lostInARow = 1;
      return { at: { lane: 0, head }, state };
    },
    next: async ({ at: { lane, head } }, { taken, registered }, attempt) => {
      // A lost opening answers every lane registered (all `open` names, and those opened since):
      // a move avoids them all.
      if (registered) open = new Set(registered);
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
      if (taken !== undefined) open?.add(lane);
      if (taken !== undefined && ++lostInARow === 1) return { at: { lane, head: taken }, state };
      // Lost to concurrent writers on a lane not (or no longer) our own: go elsewhere, after a
      // jittered pause unless the loss named the registered lanes (the pick then avoids them).
      if (!registered) await retry.sleep(retry.random() * ceilingMs);
      // A loss right after a move means another writer moved there too: move again at once.
      lostInARow = 1;
      return { at: await hotLane(lane), state };
    },
    remember: (at) => heads.remember(walletId, at),
  };

  /**
   * A random hot lane other than `from` (a store may give each its own partition, see
   * HOT_LANES_FROM): one the registry read does not name when there is one, opened with no read;
   * else any, at its head.
   */
  async function hotLane(from: number): Promise<LaneHead> {
    const hotLanes = Array.from({ length: LANES_MAX - HOT_LANES_FROM }, (_, index) => HOT_LANES_FROM + index);
    const free = open ? hotLanes.filter((lane) => lane !== from && !open?.has(lane)) : [];
    if (free.length > 0) {
      const lane = free[Math.floor(retry.random() * free.length)] as number;
      return { lane, head: { version: 0, hash: '' } };
    }
    const others = hotLanes.filter((lane) => lane !== from);
    const lane = others[Math.floor(retry.random() * others.length)] as number;
    return { lane, head: await deps.store.head(walletId, lane) };
  }
}

/**
 * Lane 0's head, and the registered lanes where the store reads both in one request (the
 * composition hands `headAndLanes` to the hot-wallet producers, deposit and ingest). Other writers
 * read lane 0's head alone, as before lane discovery — no second request for a registry: without
 * it a writer still moves at its first loss on a new wallet, and reads the head of the lane it
 * moves to.
 */
async function headAndLanes(
  store: EventStore,
  walletId: string,
): Promise<{ head: StreamHead; lanes?: number[] }> {
  if (store.headAndLanes !== undefined) return store.headAndLanes(walletId);
  return { head: await store.head(walletId, 0) };
}

/**
 * Decided against the wallet's whole log, appended to lane 0 after the head the read stands on:
 * lane-0 events past it are left out of the state, so the append fails on them and the command is
 * decided again against a fresh read. The state is exactState's: folded once per instance, then
 * only the tail is read; the first, when sent early (`firstState`), is the one that went out with
 * the legacy key's look-up.
 */
export function lane0(
  store: EventStore,
  walletId: string,
  fold: WalletFold,
  firstState?: SentRead<ExactState>,
): Placement {
  const read = async (): Promise<Position> => {
    // The state sent early (exactStateEarly) serves the first start that takes it; every other reads now.
    const exact = await (firstState?.() ?? exactState(store, walletId, fold));
    return { at: { lane: 0, head: exact.head }, state: exact.state, sentAt: exact.sentAt };
  };
  return { attemptsMax: LANE0_ATTEMPTS_MAX, start: read, next: read, remember: () => {} };
}
