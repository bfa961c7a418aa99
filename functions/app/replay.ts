import { formatMinor } from '#domain/money.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import { aboveThreshold, rebuildView, viewMatchesConfig, type WalletView } from '#domain/wallet-view.ts';
import { type EventStore, readWallet } from '#ports/event-store.ts';
import type { ReadModelStore } from '#ports/read-models.ts';
import type { SnapshotStore } from '#ports/snapshots.ts';
import { rebuildFromSnapshot } from './snapshots.ts';

export interface ViewSummary {
  balanceMinor: bigint;
  points: bigint;
  aboveThreshold: boolean;
  eventCount: number;
}

export interface WalletReplay {
  walletId: string;
  events: number;
  /** The event count of the snapshot the rebuild started from (0: from the first event). */
  fromSnapshot: number;
  before: ViewSummary | null;
  after: ViewSummary;
  /** The stored view differed from the fold of the log (or was missing). */
  changed: boolean;
  /** The rebuilt view was stored (never on a dry run). */
  written: boolean;
}

/** A view as admin answers show it: balance as a decimal number, points, flag, version. */
export const viewSummaryJson = (view: WalletView | ViewSummary | null) =>
  view === null
    ? null
    : {
        balance: Number(formatMinor(view.balanceMinor)),
        points: Number(view.points),
        aboveThreshold: 'aboveThreshold' in view ? view.aboveThreshold : aboveThreshold(view),
        version: view.eventCount,
      };

const summary = (view: WalletView): ViewSummary => ({
  balanceMinor: view.balanceMinor,
  points: view.points,
  aboveThreshold: aboveThreshold(view),
  eventCount: view.eventCount,
});

/**
 * Rebuilds one wallet's read model from its whole log and, unless `dryRun`, stores it. Safe while
 * traffic flows: the write only replaces a view holding the same events or fewer, so a projector
 * that got further is kept, and converges to the same fold.
 */
export async function replayWallet(
  store: EventStore,
  readModels: ReadModelStore,
  walletId: string,
  config: ThresholdConfig,
  options: {
    dryRun: boolean;
    /**
     * Start from the newest snapshot holding fewer than this many events (the wallet's events
     * before this version are trusted as folded), then fold the rest. Needs `snapshots`.
     */
    fromVersion?: number;
    snapshots?: SnapshotStore;
  },
): Promise<WalletReplay | undefined> {
  const rebuild = async (): Promise<{ view: WalletView; fromSnapshot: number }> => {
    if (options.fromVersion !== undefined && options.snapshots !== undefined) {
      const fromSnapshot = await rebuildFromSnapshot(store, options.snapshots, walletId, config, {
        maxEventCount: options.fromVersion - 1,
      });
      return { view: fromSnapshot.view, fromSnapshot: fromSnapshot.fromSnapshot };
    }
    return { view: rebuildView(walletId, await readWallet(store, walletId), config), fromSnapshot: 0 };
  };
  if (options.dryRun) {
    // The stored view is read while the log is: one round trip less per wallet.
    const [{ view: rebuilt, fromSnapshot }, stored] = await Promise.all([
      rebuild(),
      readModels.getView(walletId),
    ]);
    if (rebuilt.eventCount === 0) return undefined;
    return outcome(walletId, fromSnapshot, stored, rebuilt, config, false);
  }
  // A repair writes the rebuilt view and learns what it replaced from the same request; one that
  // holds more events (a projector got further) is kept. An unchanged view is written over with
  // itself (no stream record): one request per wallet instead of a read and a write.
  const { view: rebuilt, fromSnapshot } = await rebuild();
  if (rebuilt.eventCount === 0) return undefined;
  const replaced = await readModels.replaceView(rebuilt);
  return outcome(walletId, fromSnapshot, replaced.previous, rebuilt, config, replaced.outcome === 'written');
}

function outcome(
  walletId: string,
  fromSnapshot: number,
  stored: WalletView | undefined,
  rebuilt: WalletView,
  config: ThresholdConfig,
  wrote: boolean,
): WalletReplay {
  const changed = stored === undefined || !viewMatchesConfig(stored, config) || !sameView(stored, rebuilt);
  return {
    walletId,
    events: rebuilt.eventCount,
    fromSnapshot,
    before: stored === undefined ? null : summary(stored),
    after: summary(rebuilt),
    changed,
    written: changed && wrote,
  };
}

/** Field-for-field equality of two views (bigints included). */
function sameView(a: WalletView, b: WalletView): boolean {
  const text = (view: WalletView) =>
    JSON.stringify(view, (_key, value) => (typeof value === 'bigint' ? `${value}n` : value));
  return text(a) === text(b);
}
