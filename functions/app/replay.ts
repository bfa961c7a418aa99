import { formatMinor } from '#domain/money.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import { aboveThreshold, rebuildView, viewMatchesConfig, type WalletView } from '#domain/wallet-view.ts';
import type { EventStore } from '#ports/event-store.ts';
import type { ReadModelStore } from '#ports/read-models.ts';
import type { SnapshotStore } from '#ports/snapshots.ts';
import { forEachLimited, WALLETS_IN_FLIGHT } from './jobs.ts';
import { readWallet } from './read-events.ts';
import { rebuildFromSnapshot } from './snapshots.ts';
import { type ThresholdSource, thresholdNow } from './wallet-projection.ts';

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

export interface ReplayOptions {
  dryRun: boolean;
  /**
   * Start from the newest snapshot holding fewer than this many events (the wallet's events
   * before this version are trusted as folded), then fold the rest. Needs `snapshots`.
   */
  fromVersion?: number;
  snapshots?: SnapshotStore;
  /** How many wallets are read and folded at once (default WALLETS_IN_FLIGHT). */
  inFlight?: number;
}

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
  options: ReplayOptions,
): Promise<WalletReplay | undefined> {
  return (await replayWallets(store, readModels, [walletId], config, options))[0];
}

/**
 * `replayWallet` for several wallets: their logs read and folded `WALLETS_IN_FLIGHT` at a time,
 * their stored views read in one request (alongside), and the views that changed written together
 * (one request per 100: the per-request cost is most of a view write's). An unchanged view is not
 * written. Undefined for a wallet with no events.
 */
export async function replayWallets(
  store: EventStore,
  readModels: ReadModelStore,
  walletIds: readonly string[],
  config: ThresholdConfig,
  options: ReplayOptions,
): Promise<(WalletReplay | undefined)[]> {
  const rebuild = async (walletId: string): Promise<{ view: WalletView; fromSnapshot: number }> => {
    if (options.fromVersion !== undefined && options.snapshots !== undefined) {
      const fromSnapshot = await rebuildFromSnapshot(store, options.snapshots, walletId, config, {
        maxEventCount: options.fromVersion - 1,
      });
      return { view: fromSnapshot.view, fromSnapshot: fromSnapshot.fromSnapshot };
    }
    return { view: rebuildView(walletId, await readWallet(store, walletId), config), fromSnapshot: 0 };
  };
  const rebuilt: { view: WalletView; fromSnapshot: number }[] = new Array(walletIds.length);
  const [stored] = await Promise.all([
    readModels.getViews(walletIds),
    forEachLimited([...walletIds.keys()], options.inFlight ?? WALLETS_IN_FLIGHT, async (index) => {
      rebuilt[index] = await rebuild(walletIds[index] as string);
    }),
  ]);
  const results = walletIds.map((walletId, index) => {
    const { view, fromSnapshot } = rebuilt[index] as { view: WalletView; fromSnapshot: number };
    if (view.eventCount === 0) return undefined;
    const before = stored.get(walletId);
    const changed = before === undefined || !viewMatchesConfig(before, config) || !sameView(before, view);
    return { walletId, view, fromSnapshot, before, changed };
  });
  const toWrite = options.dryRun ? [] : results.filter((result) => result?.changed === true);
  const outcomes = await readModels.putViews(toWrite.map((result) => (result as { view: WalletView }).view));
  const written = new Set(
    toWrite.flatMap((result, index) => (outcomes[index] === 'written' ? [result?.walletId] : [])),
  );
  return results.map((result) =>
    result === undefined
      ? undefined
      : {
          walletId: result.walletId,
          events: result.view.eventCount,
          fromSnapshot: result.fromSnapshot,
          before: result.before === undefined ? null : summary(result.before),
          after: summary(result.view),
          changed: result.changed,
          written: written.has(result.walletId),
        },
  );
}

/** Field-for-field equality of two views (bigints included). */
function sameView(a: WalletView, b: WalletView): boolean {
  const text = (view: WalletView) =>
    JSON.stringify(view, (_key, value) => (typeof value === 'bigint' ? `${value}n` : value));
  return text(a) === text(b);
}

/** A replayed wallet as a job's report and `POST /replay` show it. */
export const replayLine = (result: WalletReplay) => ({
  walletId: result.walletId,
  events: result.events,
  changed: result.changed,
  written: result.written,
  before: viewSummaryJson(result.before),
  after: viewSummaryJson(result.after),
});

/**
 * `POST /replay` for one wallet: the threshold read now, the wallet rebuilt from `fromVersion` (or
 * its stored snapshot), written unless a dry run, answered as its line; undefined: no such wallet.
 */
export async function replayOneWallet(
  deps: {
    events: EventStore;
    readModels: ReadModelStore;
    snapshots: SnapshotStore;
    config: ThresholdSource;
  },
  walletId: string,
  { dryRun, fromVersion }: { dryRun: boolean; fromVersion?: number | undefined },
) {
  const options = {
    dryRun,
    snapshots: deps.snapshots,
    ...(fromVersion === undefined ? {} : { fromVersion }),
  };
  const threshold = await thresholdNow(deps.config);
  const result = await replayWallet(deps.events, deps.readModels, walletId, threshold, options);
  if (result === undefined) return undefined;
  return {
    dryRun,
    ...replayLine(result),
    fromVersion: fromVersion ?? null,
    fromSnapshot: result.fromSnapshot,
  };
}
