import { LRUCache } from '#app/bounded-cache.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import { emptyView, viewMatchesConfig, type WalletView } from '#domain/wallet-view.ts';
import type { EventStore } from '#ports/event-store.ts';
import type { ReadModelStore } from '#ports/read-models.ts';
import { catchUpView, type KnownEvents } from './fold.ts';
import { lanesAndLaneZero, laneZeroFrom } from './read-events.ts';
import { type SnapshotPolicy, shouldSnapshot } from './snapshots.ts';

/**
 * Brings a wallet view up to the heads of all its lanes. The stream only rings the doorbell:
 * whatever it delivered (duplicates, out of order, gaps), the events are read from the store in
 * order, each lane from after the version the view has applied.
 */
export async function catchUp(
  store: EventStore,
  walletId: string,
  stored: WalletView | undefined,
  config: ThresholdConfig,
  lanes?: readonly number[],
  known?: KnownEvents,
): Promise<{ view: WalletView; changed: boolean; eventsRead: number }> {
  const start =
    stored !== undefined && viewMatchesConfig(stored, config) ? stored : emptyView(walletId, config);
  const { view, eventsRead } = await catchUpView(store, start, config, lanes, known);
  const changed = view.eventCount > 0 && (view !== start || start !== stored);
  return { view, changed, eventsRead };
}

/**
 * The wallet view as of now, for reads: the stored projection with any events the projector has
 * not applied yet folded in (not stored), so a read reflects every acknowledged write.
 */
export async function currentView(
  store: EventStore,
  readModels: ReadModelStore,
  walletId: string,
  config: ThresholdSource,
): Promise<WalletView> {
  // The threshold (when it is still to be read) with the view, the lanes and lane 0's newest
  // events (or, from a store that cannot read those with the registry, its head): one wait, and a
  // second only for a lane the view has not caught up with and the first did not bring. Lane 0 is
  // read with the view, not after it: any write acknowledged before this read began is at or below
  // the head that read found (a consistent read), so a view that applied lane 0 up to it (or past
  // it: the projector wrote in between) holds every acknowledged event of lane 0, and one a few
  // events behind finds them in the tail; only a view further behind reads lane 0 again.
  const [threshold, stored, read] = await Promise.all([
    thresholdNow(config),
    readModels.getView(walletId),
    lanesAndLaneZero(store, walletId, { withHead: true }),
  ]);
  const applied = stored !== undefined && viewMatchesConfig(stored, threshold) ? (stored.lanes[0] ?? 0) : 0;
  const laneZero = laneZeroFrom(read, applied + 1);
  const known = laneZero === undefined ? undefined : new Map([[0, laneZero]]);
  return (await catchUp(store, walletId, stored, threshold, read.lanes, known)).view;
}

/**
 * The threshold the views are folded under, or how to read it (the active rule set): a read that
 * folds reads it with its own first reads, and a route that folds nothing never reads it.
 */
export type ThresholdSource = ThresholdConfig | (() => Promise<ThresholdConfig>);

export const thresholdNow = (config: ThresholdSource): Promise<ThresholdConfig> =>
  typeof config === 'function' ? config() : Promise.resolve(config);

/**
 * What a projector already holds for a wallet when it starts (projection-batch.ts): the events its
 * doorbells named, read by key for the whole stream batch at once, and the stored view, read the
 * same way (null: there is none).
 */
export interface WalletPrefetch {
  events?: KnownEvents;
  view?: WalletView | null;
}

/** How often a projector re-reads and retries when another projector wrote first. */
const PROJECTION_ATTEMPTS_MAX = 3;

/**
 * Projects one wallet and stores the view if it moved. Safe to call any number of times, concurrently.
 *
 * `laneHints` are the lanes the doorbells named: with them, the projector reads those lanes and
 * the ones the view already knows, and skips reading the lane registry. A lane it might miss that
 * way has a doorbell of its own on the way.
 *
 * With `snapshots`, a written view that crossed a multiple of `snapshots.every` events is also
 * kept as a snapshot, for rebuilds (see rebuildFromSnapshot).
 *
 * With `prefetch.events`, the first attempt folds the lanes that rang from the events in hand and
 * reads only a lane whose events there have a gap; lanes that did not ring are not read (their
 * unapplied events have doorbells of their own). A retry after losing to another projector reads
 * everything, as without.
 */
export async function projectWallet(
  store: EventStore,
  readModels: ReadModelStore,
  walletId: string,
  config: ThresholdConfig,
  laneHints?: readonly number[],
  views?: ViewCache,
  snapshots?: SnapshotPolicy,
  prefetch?: WalletPrefetch,
): Promise<{ eventCount: number; written: boolean }> {
  for (let attempt = 1; ; attempt++) {
    // The view this instance last wrote saves the read; if another projector moved the stored
    // one since, the conditional write says so and the next attempt reads it.
    const cached = attempt === 1 ? (views?.get(walletId) ?? prefetch?.view) : undefined;
    const stored = cached === null ? undefined : (cached ?? (await readModels.getView(walletId)));
    // A view folded under another threshold rule is rebuilt from zero: every lane it knew is read.
    const rebuilt = stored !== undefined && !viewMatchesConfig(stored, config);
    const known = attempt === 1 && !rebuilt ? prefetch?.events : undefined;
    const lanes =
      known !== undefined
        ? [...known.keys()].sort((a, b) => a - b)
        : laneHints === undefined || attempt > 1
          ? undefined
          : [...new Set([...(stored?.lanes.keys() ?? []), ...laneHints, 0])].sort((a, b) => a - b);
    const { view, changed } = await catchUp(store, walletId, stored, config, lanes, known);
    if (!changed) {
      if (stored !== undefined) views?.remember(stored);
      return { eventCount: view.eventCount, written: false };
    }
    // Folded from no stored view: it may not replace one written meanwhile (one under another
    // threshold rule would otherwise be replaced by a fold of only the lanes this one read).
    const put =
      stored === undefined ? readModels.putView(view, { onlyIfAbsent: true }) : readModels.putView(view);
    if ((await put) === 'written') {
      views?.remember(view);
      // Counted from the view this one was folded from: one under another threshold rule was
      // rebuilt from zero.
      const before = stored !== undefined && viewMatchesConfig(stored, config) ? stored.eventCount : 0;
      if (snapshots !== undefined && shouldSnapshot(before, view.eventCount, snapshots.every)) {
        try {
          await snapshots.store.put(view);
        } catch (error) {
          // A snapshot only shortens later rebuilds; the view is stored, so the projection
          // succeeded. Failing the batch would redo work that is done (and could hold a wallet's
          // projection back over an optimisation); the next crossing takes a snapshot again.
          snapshots.onError?.(error, view);
        }
      }
      return { eventCount: view.eventCount, written: true };
    }
    views?.forget(walletId);
    // Another projector stored a view first. Ours may hold events it lacks (lanes read at other
    // moments), so start again from what it stored: the union is never lost.
    if (attempt >= PROJECTION_ATTEMPTS_MAX) {
      throw new Error(`projectWallet: ${walletId} kept losing to other projectors`);
    }
  }
}

/** Views this projector instance wrote last, per wallet; bounded, least recently remembered out first. */
export class ViewCache {
  private readonly views: LRUCache<string, WalletView>;

  constructor(entriesMax = 5_000) {
    this.views = new LRUCache({ max: entriesMax });
  }

  get(walletId: string): WalletView | undefined {
    // peek: only `remember` makes an entry younger, as every projection of the wallet does.
    return this.views.peek(walletId);
  }

  remember(view: WalletView): void {
    this.views.set(view.walletId, view);
  }

  forget(walletId: string): void {
    this.views.delete(walletId);
  }
}
