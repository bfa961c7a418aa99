import type { WalletView } from '#domain/wallet-view.ts';

/** Where projections keep wallet read models. */
export interface ReadModelStore {
  getView(walletId: string): Promise<WalletView | undefined>;
  /**
   * Writes `view` unless the stored one has already applied as far or further (another
   * projector got there first). `stale` means nothing was written, which is fine.
   */
  putView(view: WalletView, options?: PutViewOptions): Promise<'written' | 'stale'>;
  /**
   * A replay's write: `putView` with `replaceEqual`, answering in the same request the view it
   * replaced or, when `stale`, the one that holds more and was kept.
   */
  replaceView(view: WalletView): Promise<ReplacedView>;
}

export interface ReplacedView {
  outcome: 'written' | 'stale';
  /** The view stored before the write (undefined: there was none). */
  previous: WalletView | undefined;
}

export interface PutViewOptions {
  /**
   * A replay rebuilds a view from the whole log: it may replace a stored view that holds the same
   * events (to repair it), but still never one that holds more.
   */
  replaceEqual?: boolean;
}
