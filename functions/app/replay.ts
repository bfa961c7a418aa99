import type { ThresholdConfig } from '#domain/threshold.ts';
import { aboveThreshold, rebuildView, viewMatchesConfig, type WalletView } from '#domain/wallet-view.ts';
import { type EventStore, readWallet } from '#ports/event-store.ts';
import type { ReadModelStore } from '#ports/read-models.ts';

export interface ViewSummary {
  balanceMinor: bigint;
  points: bigint;
  aboveThreshold: boolean;
  eventCount: number;
}

export interface WalletReplay {
  walletId: string;
  events: number;
  before: ViewSummary | null;
  after: ViewSummary;
  /** The stored view differed from the fold of the log (or was missing). */
  changed: boolean;
  /** The rebuilt view was stored (never on a dry run). */
  written: boolean;
}

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
  options: { dryRun: boolean },
): Promise<WalletReplay | undefined> {
  const events = await readWallet(store, walletId);
  if (events.length === 0) return undefined;
  const rebuilt = rebuildView(walletId, events, config);
  const stored = await readModels.getView(walletId);
  const changed = stored === undefined || !viewMatchesConfig(stored, config) || !sameView(stored, rebuilt);
  const written =
    !options.dryRun && changed && (await readModels.putView(rebuilt, { replaceEqual: true })) === 'written';
  return {
    walletId,
    events: events.length,
    before: stored === undefined ? null : summary(stored),
    after: summary(rebuilt),
    changed,
    written,
  };
}

/** Field-for-field equality of two views (bigints included). */
function sameView(a: WalletView, b: WalletView): boolean {
  const text = (view: WalletView) =>
    JSON.stringify(view, (_key, value) => (typeof value === 'bigint' ? `${value}n` : value));
  return text(a) === text(b);
}
