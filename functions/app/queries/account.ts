import { LRUCache } from '#app/bounded-cache.ts';
import { type AccountBalance, accountBalance } from '#domain/card/statement.ts';
import { foldWallet, initialWalletState, type WalletState } from '#domain/wallet.ts';
import type { AccountSnapshotStore } from '#ports/account-snapshots.ts';
import type { EventStore } from '#ports/event-store.ts';
import type { CardDeps } from '../cards.ts';
import { lanesAndLaneZero, laneZeroFrom, readAll } from '../read-events.ts';

/** Persist the folded state once it is this many events past the stored snapshot. */
export const ACCOUNT_SNAPSHOT_EVERY = 100;

interface Held {
  state: WalletState;
  /** The version of the snapshot known to be stored (0: none). */
  persisted: number;
}

/**
 * Account reads from a snapshot: the account's folded state as this function instance last saw
 * it, with each lane's head (`state.lanes`). A read asks the store only for the events after those
 * heads (usually none, or a few in lane 0, which come with the lane registry: lanesAndLaneZero;
 * other lanes: one Query each) and folds them in, so a GET costs the account's
 * new events, not its whole log. The result equals a fold of the whole log: the state is a fold
 * of a prefix of every lane, and the card position (owed, pending, the account's terms and
 * approvals) is a function of the set of events folded (test/unit/app/account-reads.test.ts).
 *
 * Kept in memory per instance (a warm Lambda keeps it between invocations), bounded: the least
 * recently read account goes first. With a stored snapshot (ports/account-snapshots.ts), an
 * instance that does not hold the account starts from the stored one, and a read that folded
 * ACCOUNT_SNAPSHOT_EVERY events past it stores the new state: a cold instance folds only the tail.
 */
export class AccountSnapshots {
  private readonly states: LRUCache<string, Held>;

  constructor(
    entriesMax = 1_000,
    private readonly every = ACCOUNT_SNAPSHOT_EVERY,
  ) {
    this.states = new LRUCache({ max: entriesMax });
  }

  /** The account's state at the heads of all its lanes now. */
  async state(store: EventStore, accountId: string, persisted?: AccountSnapshotStore): Promise<WalletState> {
    // The starting state with the lane registry and lane 0's newest events at once, then the tail
    // of every lane those did not bring, at once: a read waits on the table once when its state is
    // at most LANE_ZERO_TAIL events behind in lane 0 and no other lane moved (an account never
    // opened, too), twice otherwise. Any starting state is a fold of a prefix of each lane, so its
    // tails complete it; a lane written before this read began is in the registry, and lane 0's
    // events acknowledged before it began are at or below the head that read found.
    const [held, read] = await Promise.all([
      this.states.get(accountId) ?? this.stored(persisted, accountId),
      lanesAndLaneZero(store, accountId),
    ]);
    const tails = await Promise.all(
      read.lanes.map((lane) => {
        const fromVersion = (held.state.lanes[lane] ?? 0) + 1;
        const known = lane === 0 ? laneZeroFrom(read, fromVersion) : undefined;
        return known ?? readAll(store, accountId, lane, { fromVersion });
      }),
    );
    const tail = tails.flat();
    if (tail.length === 0) {
      if (this.states.peek(accountId) === undefined) this.states.set(accountId, held);
      return held.state;
    }
    const state = foldWallet(tail, held.state);
    let saved = held.persisted;
    if (persisted !== undefined && state.account !== undefined && state.version - saved >= this.every) {
      await persisted.put(accountId, state);
      saved = state.version;
    }
    // Two reads of one account at once both fold their tails; keep whichever saw more.
    const kept = this.states.get(accountId);
    if (kept === undefined || kept.state.version <= state.version) {
      this.states.set(accountId, { state, persisted: Math.max(saved, kept?.persisted ?? 0) });
    }
    return state;
  }

  private async stored(persisted: AccountSnapshotStore | undefined, accountId: string): Promise<Held> {
    const state = await persisted?.latest(accountId);
    return state === undefined
      ? { state: initialWalletState(), persisted: 0 }
      : { state, persisted: state.version };
  }
}

/** This instance's snapshots, shared by every invocation a warm container serves. */
const instanceSnapshots = new AccountSnapshots();

/**
 * A card account as its log stands now: its balance (from the snapshot and the tail), read at
 * `nowMs`; undefined when no account was opened under the id. Its statement is
 * account-statement.ts, read at the same time.
 */
export async function accountNow(
  deps: Pick<CardDeps, 'store' | 'clock' | 'accountSnapshots'> & { snapshots?: AccountSnapshots },
  accountId: string,
): Promise<{ balance: AccountBalance; nowMs: number } | undefined> {
  const snapshots = deps.snapshots ?? instanceSnapshots;
  const state = await snapshots.state(deps.store, accountId, deps.accountSnapshots);
  const nowMs = deps.clock.nowMs();
  const balance = accountBalance(state, nowMs);
  if (balance === undefined) return undefined;
  return { balance, nowMs };
}
