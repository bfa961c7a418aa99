import type { WalletState } from '#domain/wallet.ts';

/**
 * A stored snapshot of a card account's folded state (the account is a wallet: its WalletState,
 * with each lane's head in `lanes`), so a cold function instance folds only the events after it.
 * The wallet SnapshotStore (snapshots.ts) keeps the projector's WalletView, which holds neither the
 * account's terms nor its authorizations: an account read cannot be answered from it.
 *
 * Like every snapshot, an optimisation: the state is a fold of a prefix of every lane, so folding
 * the events after its heads gives what a fold from zero gives; a lost or skipped snapshot costs a
 * longer fold, never a wrong read.
 */
export interface AccountSnapshotStore {
  /** The account's latest snapshot, or undefined when there is none. */
  latest(accountId: string): Promise<WalletState | undefined>;
  /**
   * Stores `state` as the account's snapshot unless one with more events is stored already (two
   * instances may race; the fuller one stays). May decline to store a state too large to keep.
   */
  put(accountId: string, state: WalletState): Promise<void>;
}
