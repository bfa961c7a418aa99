import type { ThresholdConfig } from '#domain/threshold.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import { emptyView, projectEvents, viewMatchesConfig, type WalletView } from '#domain/wallet-view.ts';
import { ENV } from '#lib/wiring.ts';
import { type EventStore, readWallet } from '#ports/event-store.ts';
import type { SnapshotStore } from '#ports/snapshots.ts';

/** Snapshot a wallet's view every this many events unless TALLY_SNAPSHOT_EVERY says otherwise. */
export const SNAPSHOT_EVERY_DEFAULT = 1_000;

/** Where the projector keeps snapshots and how often it takes one (0: never). */
export interface SnapshotPolicy {
  store: SnapshotStore;
  every: number;
  /** Told when a snapshot could not be stored; the projection still succeeds (see projectWallet). */
  onError?: (error: unknown, view: WalletView) => void;
}

/** TALLY_SNAPSHOT_EVERY: a whole number of events; 0 disables snapshots; unset or empty: 1,000. */
export function snapshotEveryFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const text = env[ENV.snapshotEvery]?.trim();
  if (text === undefined || text === '') return SNAPSHOT_EVERY_DEFAULT;
  const every = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(every)) {
    throw new Error(
      `${ENV.snapshotEvery} must be a whole number of events (0 disables snapshots), got "${text}"`,
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
 * (see foldByEventTime); from zero when there is none. The result equals a rebuild from zero, field for
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
  let snapshot = await snapshots.latest(walletId, options.maxEventCount);
  for (
    let tried = 1;
    snapshot !== undefined && !viewMatchesConfig(snapshot, config) && tried < SNAPSHOT_CANDIDATES_MAX;
    tried++
  ) {
    snapshot =
      snapshot.eventCount > 0 ? await snapshots.latest(walletId, snapshot.eventCount - 1) : undefined;
  }
  if (snapshot !== undefined && snapshot.walletId !== walletId) {
    throw new Error(`rebuildFromSnapshot: the snapshot of ${walletId} names wallet ${snapshot.walletId}`);
  }
  if (snapshot === undefined || !viewMatchesConfig(snapshot, config)) {
    // From zero: the whole log once, which is also the history any late deposit needs.
    const log = await readWallet(events, walletId);
    const view = await foldByEventTime(emptyView(walletId, config), log, config, async () => log);
    return { view, fromSnapshot: 0, eventsRead: log.length };
  }

  const tail: RecordedEvent[] = [];
  for (const lane of await events.lanes(walletId)) {
    for await (const page of events.read(walletId, lane, { fromVersion: (snapshot.lanes[lane] ?? 0) + 1 })) {
      tail.push(...page);
    }
  }
  let eventsRead = tail.length;
  // One read of the whole log serves every late deposit, as long as it holds all the view has
  // applied (a lane that grew after it was read makes it read again).
  let history: RecordedEvent[] | undefined;
  const view = await foldByEventTime(snapshot, tail, config, async (applied) => {
    if (history === undefined || !covers(history, applied)) {
      history = await readWallet(events, walletId);
      eventsRead += history.length;
    }
    return history;
  });
  return { view, fromSnapshot: snapshot.eventCount, eventsRead };
}

/**
 * Folds `events` into `view`: each lane's events contiguous and ascending from `view.lanes[k] + 1`,
 * the lanes interleaved by the deposits' event time. The result is the same in any order (the view
 * is a function of the set of events), but the order decides the cost: folded lane after lane, a
 * wallet whose writers used several lanes meets every deposit of lane 1 and up older than the
 * window cache covers, and each one is decided from the whole history — quadratic in the wallet's
 * size (a 10,000-event wallet in 2 lanes: 13 s; in event-time order: 76 ms, no history at all).
 * `history(view)` answers every event `view` has applied, for the deposits that still need it.
 */
export async function foldByEventTime(
  view: WalletView,
  events: readonly RecordedEvent[],
  config: ThresholdConfig,
  history: (view: WalletView) => Promise<readonly RecordedEvent[]>,
): Promise<WalletView> {
  const byLane = new Map<number, RecordedEvent[]>();
  for (const event of events) {
    const lane = byLane.get(event.lane);
    if (lane === undefined) byLane.set(event.lane, [event]);
    else lane.push(event);
  }
  const cursors = [...byLane.values()].map((laneEvents) => ({
    events: laneEvents.sort((a, b) => a.version - b.version),
    at: 0,
  }));
  // Only deposits have a say in the order; anything else never holds its lane back.
  const keyOf = (event: RecordedEvent): number =>
    event.type === 'Deposited' ? event.data.occurredAtMs : Number.NEGATIVE_INFINITY;
  let folded = view;
  for (;;) {
    let next: (typeof cursors)[number] | undefined;
    let nextKey = Number.POSITIVE_INFINITY;
    let otherKey = Number.POSITIVE_INFINITY;
    for (const cursor of cursors) {
      const head = cursor.events[cursor.at];
      if (head === undefined) continue;
      const key = keyOf(head);
      if (next === undefined || key < nextKey) {
        if (next !== undefined) otherKey = Math.min(otherKey, nextKey);
        next = cursor;
        nextKey = key;
      } else {
        otherKey = Math.min(otherKey, key);
      }
    }
    if (next === undefined) return folded;
    // The run of this lane that comes before every other lane's next deposit, in one call.
    let end = next.at + 1;
    while (end < next.events.length && keyOf(next.events[end] as RecordedEvent) <= otherKey) end++;
    const run = next.events.slice(next.at, end);
    next.at = end;
    let result = projectEvents(folded, run, config);
    if (result.kind === 'needs-history') {
      result = projectEvents(folded, run, config, await history(folded));
      if (result.kind !== 'projected') throw new Error('unreachable: projection with history');
    }
    folded = result.view;
  }
}

/** True when `history` holds every event `view` has applied (each lane up to `view.lanes[k]`). */
function covers(history: readonly RecordedEvent[], view: WalletView): boolean {
  const heads: number[] = [];
  for (const event of history) heads[event.lane] = Math.max(heads[event.lane] ?? 0, event.version);
  return view.lanes.every((version, lane) => version <= (heads[lane] ?? 0));
}
