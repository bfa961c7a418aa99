import type { WalletView } from '#domain/wallet-view.ts';

/**
 * Snapshots of wallet views, taken every N events, so a rebuild reads only the tail of the log.
 * A snapshot is a view like any other: a pure function of the set of events it applied (every
 * lane a prefix up to `lanes[k]`), so folding the events after it gives what a rebuild from zero
 * gives. Snapshots are an optimisation: losing one costs a longer rebuild, never a wrong view.
 */
export interface SnapshotStore {
  /**
   * The wallet's snapshot with the most events, or with the most events among those holding at
   * most `maxEventCount`; undefined when there is none.
   */
  latest(walletId: string, maxEventCount?: number): Promise<WalletView | undefined>;
  /** Stores `view` as a snapshot (idempotent: the same view again changes nothing). */
  put(view: WalletView): Promise<void>;
}
