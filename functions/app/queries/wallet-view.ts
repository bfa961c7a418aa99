import type { ThresholdConfig } from '#domain/threshold.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import { rebuildView, type WalletView } from '#domain/wallet-view.ts';
import type { EventStore } from '#ports/event-store.ts';
import type { ReadModelStore } from '#ports/read-models.ts';
import type { SnapshotStore } from '#ports/snapshots.ts';
import { readWallet } from '../read-events.ts';
import { currentView } from '../wallet-projection.ts';
import { viewAtTimeFromSnapshot } from './as-of.ts';
import type { VerifyDeps } from './verify.ts';

export interface WalletViewDeps {
  /** With snapshots, `asOf` a time starts from the newest snapshot recorded by then. */
  stores: { events: EventStore; readModels: ReadModelStore; snapshots?: SnapshotStore };
  config: ThresholdConfig;
  /** Signed checkpoints for /verify (see verify.ts); absent: /verify anchors to the read model only. */
  checkpoints?: VerifyDeps['checkpoints'];
}

/**
 * The wallet as it is now: the projected view with any events the projector has not applied yet
 * folded in, so a read reflects every acknowledged write. Undefined for a wallet with no events.
 */
export async function walletNow(deps: WalletViewDeps, walletId: string): Promise<WalletView | undefined> {
  const view = await currentView(deps.stores.events, deps.stores.readModels, walletId, deps.config);
  return view.eventCount === 0 ? undefined : view;
}

/** A point in a wallet's history: a time (events recorded at or before it) or its first N events. */
export type AsOf = { kind: 'time'; atMs: number } | { kind: 'version'; version: number };

/** The wallet as its log stood at `asOf`; undefined when it had no events by then. */
export async function walletAsOf(
  deps: WalletViewDeps,
  walletId: string,
  asOf: AsOf,
): Promise<WalletView | undefined> {
  const { events, snapshots } = deps.stores;
  if (asOf.kind === 'time' && snapshots !== undefined) {
    // A version asOf counts events in recorded order across lanes, which a snapshot (a prefix of
    // each lane) does not follow: it is answered from the whole log below.
    const fromSnapshot = await viewAtTimeFromSnapshot(events, snapshots, walletId, deps.config, asOf.atMs);
    if (fromSnapshot !== undefined) return fromSnapshot;
  }
  return viewAsOf(walletId, await readWallet(events, walletId), deps.config, asOf);
}

/**
 * The view from the log as it stood: the events recorded up to a time, or the wallet's first
 * `version` events in the order they were recorded (time, then lane, then version).
 */
function viewAsOf(
  walletId: string,
  events: RecordedEvent[],
  config: ThresholdConfig,
  asOf: AsOf,
): WalletView | undefined {
  const ordered = [...events].sort(
    (a, b) => a.recordedAtMs - b.recordedAtMs || a.lane - b.lane || a.version - b.version,
  );
  const kept =
    asOf.kind === 'version'
      ? ordered.slice(0, asOf.version)
      : ordered.filter((recorded) => recorded.recordedAtMs <= asOf.atMs);
  // Within a lane the kept events must be a prefix (1…n), which recorded order gives unless a
  // clock went backwards; cut each lane at its first gap so the fold stays well-defined.
  const nextVersion = new Map<number, number>();
  const prefix: RecordedEvent[] = [];
  for (const recorded of [...kept].sort((a, b) => a.lane - b.lane || a.version - b.version)) {
    const expected = nextVersion.get(recorded.lane) ?? 1;
    if (recorded.version !== expected) continue;
    nextVersion.set(recorded.lane, expected + 1);
    prefix.push(recorded);
  }
  if (prefix.length === 0) return undefined;
  return rebuildView(walletId, prefix, config);
}
