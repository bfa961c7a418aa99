import type { WalletView } from '#domain/wallet-view.ts';

/** Where projections keep wallet read models. */
export interface ReadModelStore {
  /** The stored view of the wallet (strongly consistent), or undefined before its first projection. */
  getView(walletId: string): Promise<WalletView | undefined>;
  /**
   * Writes `view` unless the stored one has already applied as far or further (another
   * projector got there first). `stale` means nothing was written, which is fine.
   */
  putView(view: WalletView, options?: PutViewOptions): Promise<'written' | 'stale'>;
  /** Several wallets' views in one read (a replay's): absent from the map when a wallet has none. */
  getViews(walletIds: readonly string[]): Promise<Map<string, WalletView>>;
  /**
   * A replay's writes, several views at once, each as `putView` with `replaceEqual`: never over a
   * view holding more events. Answers each one's outcome, in order.
   */
  putViews(views: readonly WalletView[]): Promise<('written' | 'stale')[]>;
}

/** How `putView` decides whether the stored view may be replaced. */
export interface PutViewOptions {
  /**
   * A replay rebuilds a view from the whole log: it may replace a stored view that holds the same
   * events (to repair it), but still never one that holds more.
   */
  replaceEqual?: boolean;
  /**
   * The view was folded from no stored view (none was read, or the projector knew there could be
   * none: the wallet's first event was in its hands): write it only if there still is none, else
   * 'stale', and the projector reads what is stored and folds again.
   */
  onlyIfAbsent?: boolean;
}
