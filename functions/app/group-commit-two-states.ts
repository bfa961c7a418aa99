/**
 * The wallet states two-wallet group commit (group-commit-two.ts) decides its next batch on
 * without reading: what its last batch read, or what its last committed batch left (the batch
 * knows every event it wrote, and the store reports the heads, hashes included).
 *
 * Why deciding on a remembered state is safe:
 * - **Lane 0** is exact or the append fails: every lane-0 event is a create-only put at the next
 *   version, so if anything else wrote lane 0 since (another process, a hold, a single run), the
 *   batch's first put at that wallet's remembered head + 1 fails, nothing is written, and the batch
 *   reads the wallet again (group-commit-two.ts stops trusting remembered states for the batch).
 * - **Other lanes** hold only credits (deposits, facts and their points): a remembered state may
 *   lack some, so it under-counts `available`, never over-counts. An approval on it is one the
 *   current state approves too. A refusal is given only on a state read again (a deposit answered
 *   before the transfer was sent is counted, as before).
 *
 * Only a commit known to have landed is remembered; any other failure forgets the batch's
 * wallets. Bounded: the least recently remembered wallet goes first.
 */
import type { WalletState } from '#domain/wallet.ts';
import type { StreamHead } from '#ports/event-store.ts';

export interface KnownState {
  /** Lane 0's head: the next lane-0 event goes at `head.version + 1`, chained to `head.hash`. */
  head: StreamHead;
  /** The wallet's state with every lane-0 event up to `head` (and the credits seen when read). */
  state: WalletState;
}

const KNOWN_STATES_MAX = 1_000;

export class KnownStates {
  private readonly known = new Map<string, KnownState>();

  constructor(private readonly entriesMax = KNOWN_STATES_MAX) {}

  get(walletId: string): KnownState | undefined {
    return this.known.get(walletId);
  }

  remember(walletId: string, known: KnownState): void {
    this.known.delete(walletId);
    this.known.set(walletId, known);
    if (this.known.size > this.entriesMax) this.known.delete(this.known.keys().next().value as string);
  }

  forget(walletIds: Iterable<string>): void {
    for (const walletId of walletIds) this.known.delete(walletId);
  }
}

/**
 * What a committed batch leaves, to decide the next on: each written wallet's state after its
 * events, at the head the store reports. A store that reports none leaves the wallets to be read.
 */
export function rememberCommitted(
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
