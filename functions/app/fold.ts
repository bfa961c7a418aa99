import { eventTimeRuns } from '#domain/fold-order.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import { projectEvents, type WalletView, withKnownBuckets } from '#domain/wallet-view.ts';
import type { EventStore } from '#ports/event-store.ts';
import { knownRun, readAll, readWallet } from './read-events.ts';

/**
 * Events already in hand for some lanes (a projector's doorbells, read by their keys): lane →
 * the events found, in any order, or undefined when one of them was not found (the lane is read).
 */
export type KnownEvents = ReadonlyMap<number, readonly RecordedEvent[] | undefined>;

/**
 * Brings `view` up to the heads of the wallet's lanes (`lanes`, else the registry's): reads each
 * lane's events after the version the view has applied, then folds them with foldTail. A lane in
 * `known` is not read when its known events are exactly the ones after the view's version (or
 * none are after it); a gap sends it to the store, which reads it to its head. The lanes are read
 * at once: one round trip, not one per lane. `history`: the wallet's log in hand, for foldTail.
 */
export async function catchUpView(
  store: EventStore,
  view: WalletView,
  config: ThresholdConfig,
  lanes?: readonly number[],
  known?: KnownEvents,
  history?: readonly RecordedEvent[],
): Promise<{ view: WalletView; eventsRead: number }> {
  const tails = await Promise.all(
    (lanes ?? (await store.lanes(view.walletId))).map((lane) => {
      const fromVersion = (view.lanes[lane] ?? 0) + 1;
      const ready = known?.has(lane) ? knownRun(known.get(lane), fromVersion) : undefined;
      return ready ?? readAll(store, view.walletId, lane, { fromVersion });
    }),
  );
  const tail = tails.flat();
  if (tail.length === 0) return { view, eventsRead: 0 };
  const folded = await foldTail(store, view, tail, config, history);
  return { view: folded.view, eventsRead: tail.length + folded.historyRead };
}

/**
 * Folds `tail` — for each lane, the events after `view.lanes[k]`, contiguous — into `view`, in
 * event-time order (see eventTimeRuns). A deposit older than the view's window cache covers (or a
 * correction of a deposit already folded) is decided from the wallet's whole log, read once and
 * read again only if a lane grew past it (a fold from nothing has it in hand: the tail); so is a
 * view stored before the evicted buckets existed, once, to get them. `inHand`: the log as the
 * caller read it (a correction's, with what it appended), used like a history read when it covers
 * the view. Returns how many events the history reads took.
 */
export async function foldTail(
  store: EventStore,
  view: WalletView,
  tail: readonly RecordedEvent[],
  config: ThresholdConfig,
  inHand?: readonly RecordedEvent[],
): Promise<{ view: WalletView; historyRead: number }> {
  // Folded from nothing (every lane from version 1), the tail holds every event the fold will have
  // applied at each step, which is all a decision needs of the history (more is fine: projectEvents).
  let history: readonly RecordedEvent[] | undefined =
    inHand ?? (view.lanes.every((version) => version === 0) ? tail : undefined);
  let historyRead = 0;
  let folded = view;
  if (view.threshold.evicted === null) {
    // Stored before the buckets existed: read the history once and give the view its buckets, so
    // it decides like a rebuild from here on (and equals one).
    history = await readWallet(store, view.walletId);
    historyRead += history.length;
    folded = withKnownBuckets(view, history, config);
  }
  for (const run of eventTimeRuns(tail)) {
    let result = projectEvents(folded, run, config);
    if (result.kind === 'needs-history') {
      if (history === undefined || !covers(history, folded)) {
        history = await readWallet(store, view.walletId);
        historyRead += history.length;
      }
      result = projectEvents(folded, run, config, history);
      if (result.kind !== 'projected') throw new Error('unreachable: projection with history');
    }
    folded = result.view;
  }
  return { view: folded, historyRead };
}

/** True when `history` holds every event `view` has applied (each lane up to `view.lanes[k]`). */
function covers(history: readonly RecordedEvent[], view: WalletView): boolean {
  const heads: number[] = [];
  for (const event of history) heads[event.lane] = Math.max(heads[event.lane] ?? 0, event.version);
  return view.lanes.every((version, lane) => version <= (heads[lane] ?? 0));
}
