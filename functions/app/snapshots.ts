import type { ThresholdConfig } from '#domain/threshold.ts';
import { rebuildView, viewMatchesConfig, type WalletView } from '#domain/wallet-view.ts';
import type { EventStore } from '#ports/event-store.ts';
import type { SnapshotStore } from '#ports/snapshots.ts';
import { catchUpView } from './fold.ts';
import { readWallet } from './read-events.ts';

/** Snapshot a wallet's view every this many events unless TALLY_SNAPSHOT_EVERY says otherwise. */
export const SNAPSHOT_EVERY_DEFAULT = 1_000;

/** Where the projector keeps snapshots and how often it takes one (0: never). */
export interface SnapshotPolicy {
  store: SnapshotStore;
  every: number;
  /** Told when a snapshot could not be stored; the projection still succeeds (see projectWallet). */
  onError?: (error: unknown, view: WalletView) => void;
}

/**
 * How often to snapshot, from its setting's text (`TALLY_SNAPSHOT_EVERY`, read by the composition
 * root): a whole number of events; 0 disables snapshots; unset or empty: 1,000.
 */
export function parseSnapshotEvery(text: string | undefined, settingName: string): number {
  const trimmed = text?.trim();
  if (trimmed === undefined || trimmed === '') return SNAPSHOT_EVERY_DEFAULT;
  const every = Number(trimmed);
  if (!/^\d+$/.test(trimmed) || !Number.isSafeInteger(every)) {
    throw new Error(
      `${settingName} must be a whole number of events (0 disables snapshots), got "${trimmed}"`,
    );
  }
  return every;
}

/**
 * True when a view that went from `beforeCount` to `afterCount` events crossed a multiple of
 * `every`. A projector folds a batch at a time, so counts jump; a crossing catches every one.
 */
export const shouldSnapshot = (beforeCount: number, afterCount: number, every: number): boolean =>
  every > 0 && Math.floor(afterCount / every) > Math.floor(beforeCount / every);

/** How many older snapshots a rebuild tries when the newest was taken under another threshold rule. */
const SNAPSHOT_CANDIDATES_MAX = 3;

export interface SnapshotRebuild {
  view: WalletView;
  /** The event count of the snapshot the rebuild started from; 0 when it started from zero. */
  fromSnapshot: number;
  /** Events read from the store (the tail after the snapshot, plus any history a late deposit needed). */
  eventsRead: number;
}

/**
 * Rebuilds a wallet's view from its newest usable snapshot (taken under `config`'s threshold
 * rule, and holding at most `maxEventCount` events when that is given) plus the events after it
 * (folded as catchUp folds a stored view's tail); from zero when there is none. The result equals a rebuild from zero, field for
 * field: a snapshot is a view of a set of events that holds a prefix of every lane, and a view is
 * a function of the set of events it applied.
 */
export async function rebuildFromSnapshot(
  events: EventStore,
  snapshots: SnapshotStore,
  walletId: string,
  config: ThresholdConfig,
  options: { maxEventCount?: number } = {},
): Promise<SnapshotRebuild> {
  // Usable: taken under this threshold rule, and with its evicted buckets known (one stored before
  // they existed would fold on without them and differ from a rebuild from zero).
  const usable = (candidate: WalletView) =>
    viewMatchesConfig(candidate, config) && candidate.threshold.evicted !== null;
  let snapshot = await snapshots.latest(walletId, options.maxEventCount);
  for (
    let tried = 1;
    snapshot !== undefined && !usable(snapshot) && tried < SNAPSHOT_CANDIDATES_MAX;
    tried++
  ) {
    snapshot =
      snapshot.eventCount > 0 ? await snapshots.latest(walletId, snapshot.eventCount - 1) : undefined;
  }
  if (snapshot !== undefined && snapshot.walletId !== walletId) {
    throw new Error(`rebuildFromSnapshot: the snapshot of ${walletId} names wallet ${snapshot.walletId}`);
  }
  if (snapshot === undefined || !usable(snapshot)) {
    // From zero: the whole log once, which is also the history any late deposit needs.
    const log = await readWallet(events, walletId);
    return { view: rebuildView(walletId, log, config), fromSnapshot: 0, eventsRead: log.length };
  }

  const { view, eventsRead } = await catchUpView(events, snapshot, config);
  return { view, fromSnapshot: snapshot.eventCount, eventsRead };
}
