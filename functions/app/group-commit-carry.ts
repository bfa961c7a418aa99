/**
 * The state a wallet's last committed lane-0 batch left, kept by this process (group-commit.ts),
 * so the next batch decides on it and appends at once, without reading the head, the lane
 * registry and the tail again: those three round trips before every transaction were most of
 * what a card authorization waited on (bench/cards/profile.ts).
 *
 * Why that is safe:
 * - **Lane 0** (every card event, every debit and hold): the append is conditioned on the head
 *   the carried state ends at. A writer anywhere (another instance, a two-wallet command, the
 *   expiry sweep) that appended to lane 0 since makes the append fail; the batch then reads the
 *   tail and decides again, as it always did after a lost race. No decision stands on a lane-0
 *   event it did not see.
 * - **Other lanes** hold only credits (deposits, facts), opened by their first event, which
 *   registers the lane in the same transaction (EventStore.lanes). A state is carried only for a
 *   wallet whose log is in lane 0 alone, and only while that is known to hold: every credit this
 *   process writes through group commit ends the carry (group-commit-taint.ts) before its caller
 *   is answered (so "deposit, then spend" in one process always sees the deposit), and a carry last checked more
 *   than CARRY_MS ago is checked again, by one read of the lane registry, before it is decided on
 *   (still lane 0 alone: carried on; else the whole state is read again). A wallet in use is
 *   checked in the background at half that age, so its commands do not wait for the check.
 *   A credit another instance writes into a new lane is thus seen within CARRY_MS (and even a
 *   state that misses a credit can only decline what it could have approved, never approve more).
 */
import type { RecordedEvent } from '#domain/wallet.ts';
import type { EventStore, StreamHead } from '#ports/event-store.ts';
import { LRUCache } from './bounded-cache.ts';
import type { WalletFold } from './exact-state.ts';
import { lastTaint, type Token, tokenNow } from './group-commit-taint.ts';
import type { Position } from './placement.ts';
import { readAll } from './read-events.ts';

/** A carry whose lane registry was last checked longer ago than this is checked before use. */
export const CARRY_MS = 1_000;
const CARRIED_MAX = 1_000;

interface Carried {
  position: Position;
  /** The taint sequence number when the read the state stands on began, and its monotonic time. */
  base: Token;
}

/** Per store (a process's handle on its table; tests stand several processes on one table), per wallet. */
const carriedByStore = new WeakMap<EventStore, LRUCache<string, Carried>>();
const carriedOf = (store: EventStore): LRUCache<string, Carried> => {
  let carried = carriedByStore.get(store);
  if (carried === undefined) {
    carried = new LRUCache({ max: CARRIED_MAX });
    carriedByStore.set(store, carried);
  }
  return carried;
};
/** Only a wallet whose state came from lane 0 alone is carried (see the file comment). */
const laneZeroOnly = (position: Position): boolean =>
  Object.keys(position.state.lanes).every((lane) => lane === '0');

/**
 * The carried position of a wallet, if it is still good to decide on: no credit from this process
 * since the read it stands on, and lane 0 alone as of a check within CARRY_MS (made now if due).
 */
export async function carriedPosition(
  store: EventStore,
  walletId: string,
  fold: WalletFold,
): Promise<{ position: Position; base: Token } | undefined> {
  const carried = carriedOf(store).peek(walletId);
  if (carried === undefined) return undefined;
  if (lastTaint(walletId) > carried.base.seq) {
    carriedOf(store).delete(walletId);
    return undefined;
  }
  const ageMs = performance.now() - carried.base.atMs;
  if (ageMs > CARRY_MS) {
    if (!(await stillLaneZeroOnly(store, walletId, carried.base))) return undefined;
  } else if (ageMs > CARRY_MS / 2 && carried.base.checking !== true) {
    void stillLaneZeroOnly(store, walletId, carried.base);
  }
  // Racing writers in other instances lately: read the tail first, as they do after losing, so
  // that the one that won last does not win every round by appending without a read.
  const racedAtMs = racedOf(store).peek(walletId);
  if (racedAtMs !== undefined && performance.now() - racedAtMs < RACED_MS) {
    return readTail(store, walletId, carried, fold);
  }
  return { position: carried.position, base: carried.base };
}

/** How long after a lost race on a wallet this instance reads its tail before each batch. */
const RACED_MS = 1_000;
const racedByStore = new WeakMap<EventStore, LRUCache<string, number>>();
const racedOf = (store: EventStore): LRUCache<string, number> => {
  let raced = racedByStore.get(store);
  if (raced === undefined) {
    raced = new LRUCache({ max: CARRIED_MAX });
    racedByStore.set(store, raced);
  }
  return raced;
};

/** A lane-0 append of this instance lost to a writer elsewhere. */
export const lostRace = (store: EventStore, walletId: string): void => {
  racedOf(store).set(walletId, performance.now());
};

/** One read of the lane registry: lane 0 alone still, and no credit from here since? Renews the base if so. */
async function stillLaneZeroOnly(store: EventStore, walletId: string, base: Token): Promise<boolean> {
  const token = tokenNow();
  base.checking = true;
  try {
    const lanes = await store.lanes(walletId);
    if (lanes.some((lane) => lane !== 0) || lastTaint(walletId) > base.seq) {
      carriedOf(store).delete(walletId);
      return false;
    }
    // Nothing landed outside lane 0 up to the token (lane 0 is guarded by the append itself).
    if (token.atMs > base.atMs) Object.assign(base, { seq: token.seq, atMs: token.atMs });
    return true;
  } catch {
    // Not known: read the whole state next time (the batch's own read reports any failure).
    carriedOf(store).delete(walletId);
    return false;
  } finally {
    base.checking = false;
  }
}

/**
 * After a committed lane-0 batch: the state it decided on with its recorded events folded in,
 * at the head the append returned. Not kept if a credit came after the read it stands on. `base`
 * is the token the batch took before its read; a state sent early (exactStateEarly, before the
 * batch began) stands on the one taken before it was sent (`sentAt`): a credit this process wrote
 * in between would otherwise seem included, and the carry could miss it.
 */
export function carryAfterCommit(
  store: EventStore,
  walletId: string,
  from: { position: Position; base: Token },
  recorded: readonly RecordedEvent[],
  head: StreamHead,
  fold: WalletFold,
): void {
  const base = from.position.sentAt ?? from.base;
  if (lastTaint(walletId) > base.seq || !laneZeroOnly(from.position)) {
    carriedOf(store).delete(walletId);
    return;
  }
  carriedOf(store).set(walletId, {
    base,
    position: { at: { lane: 0, head }, state: fold(recorded, from.position.state) },
  });
}

/** After a read that decided nothing (refusals only): that state, as it was read. */
export function carryAsRead(
  store: EventStore,
  walletId: string,
  from: { position: Position; base: Token },
  fold: WalletFold,
): void {
  carryAfterCommit(store, walletId, from, [], from.position.at.head, fold);
}

/** The transaction may or may not have committed: read afresh next time. */
export const dropCarried = (store: EventStore, walletId: string): void => {
  carriedOf(store).delete(walletId);
};

/**
 * After a lost race, for a lane-0-only wallet: lane 0's head, the lane registry and lane 0's tail
 * past the state held, read at once (one round trip, where a full read makes three in a row, and
 * the shorter the window the likelier the next append wins). Undefined when that cannot be relied
 * on (other lanes, or the tail read missed an event the head names): then the whole state is read.
 */
export async function readTail(
  store: EventStore,
  walletId: string,
  from: { position: Position },
  fold: WalletFold,
): Promise<{ position: Position; base: Token } | undefined> {
  const known = from.position.at.head.version;
  // Folded onto only if the state is exactly as of its head: events past it would be folded twice.
  if (
    !laneZeroOnly(from.position) ||
    from.position.at.lane !== 0 ||
    (from.position.state.lanes[0] ?? 0) !== known
  )
    return undefined;
  const base = tokenNow();
  const [head, lanes, tail] = await Promise.all([
    store.head(walletId, 0),
    store.lanes(walletId),
    readAll(store, walletId, 0, { fromVersion: known + 1 }),
  ]);
  const upToHead = tail.filter((event) => event.version <= head.version);
  if (lanes.some((lane) => lane !== 0) || upToHead.length !== head.version - known) return undefined;
  return { base, position: { at: { lane: 0, head }, state: fold(upToHead, from.position.state) } };
}
