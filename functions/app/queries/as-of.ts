import { eventTimeRuns } from '#domain/fold-order.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import { projectEvents, viewMatchesConfig, type WalletView } from '#domain/wallet-view.ts';
import type { EventStore } from '#ports/event-store.ts';
import type { SnapshotStore } from '#ports/snapshots.ts';

/** How many snapshots, newest first, are tried for one recorded before the time asked. */
const CANDIDATES_MAX = 3;

/**
 * The wallet as its log stood at time `atMs` (events recorded at or before it, each lane cut at
 * its first later event), from the newest usable snapshot whose events were all recorded by then,
 * folding only the events after it up to `atMs`. Undefined when no snapshot fits, or the fold
 * needs the wallet's history (a deposit older than the snapshot's window cache): the caller then
 * rebuilds from the whole log, which gives the same view.
 *
 * Why it equals the rebuild: the snapshot holds a prefix of every lane, all recorded by `atMs`
 * (its `updatedAtMs` is the latest `recordedAtMs` applied), so it is a subset of the lanes' kept
 * prefixes; reading each lane on from the snapshot until the first event recorded later completes
 * exactly those prefixes, and a view is a function of the set of events it applied.
 */
export async function viewAtTimeFromSnapshot(
  events: EventStore,
  snapshots: SnapshotStore,
  walletId: string,
  config: ThresholdConfig,
  atMs: number,
): Promise<WalletView | undefined> {
  let snapshot = await snapshots.latest(walletId);
  for (let tried = 1; snapshot !== undefined && !fits(snapshot, config, atMs); tried++) {
    if (tried >= CANDIDATES_MAX || snapshot.eventCount <= 1) return undefined;
    snapshot = await snapshots.latest(walletId, snapshot.eventCount - 1);
  }
  if (snapshot === undefined || snapshot.walletId !== walletId) return undefined;
  const tail: RecordedEvent[] = [];
  for (const lane of await events.lanes(walletId))
    tail.push(...(await laneUpTo(events, snapshot, lane, atMs)));
  let view = snapshot;
  for (const run of eventTimeRuns(tail)) {
    const result = projectEvents(view, run, config);
    if (result.kind !== 'projected') return undefined;
    view = result.view;
  }
  return view;
}

const fits = (snapshot: WalletView, config: ThresholdConfig, atMs: number): boolean =>
  viewMatchesConfig(snapshot, config) && snapshot.threshold.evicted !== null && snapshot.updatedAtMs <= atMs;

/** Events per read of a lane's tail at first; doubled each read, so a long tail costs few reads. */
const CHUNK_FIRST = 16;
const CHUNK_MAX = 512;

/**
 * The lane's events after the snapshot, up to (not including) the first recorded after `atMs`,
 * read in growing sort-key ranges so that a time just after the snapshot reads a few events, not
 * a store page.
 */
async function laneUpTo(
  events: EventStore,
  snapshot: WalletView,
  lane: number,
  atMs: number,
): Promise<RecordedEvent[]> {
  const kept: RecordedEvent[] = [];
  let fromVersion = (snapshot.lanes[lane] ?? 0) + 1;
  for (let chunk = CHUNK_FIRST; ; chunk = Math.min(chunk * 2, CHUNK_MAX)) {
    const range = { fromVersion, toVersion: fromVersion + chunk - 1 };
    let read = 0;
    for await (const page of events.read(snapshot.walletId, lane, range)) {
      for (const recorded of page) {
        if (recorded.recordedAtMs > atMs) return kept;
        kept.push(recorded);
        read++;
      }
    }
    if (read < chunk) return kept;
    fromVersion += chunk;
  }
}
