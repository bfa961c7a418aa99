import { inEffectAt } from '#domain/bitemporal.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import { rebuildView, type WalletView } from '#domain/wallet-view.ts';
import { heldAt } from '#domain/wallet-view-trades.ts';
import type { Clock } from '#ports/clock.ts';
import type { EventStore } from '#ports/event-store.ts';
import type { ReadModelStore } from '#ports/read-models.ts';
import type { SnapshotStore } from '#ports/snapshots.ts';
import { readWallet } from '../read-events.ts';
import { currentView, type ThresholdSource, thresholdNow } from '../wallet-projection.ts';
import { viewAtTimeFromSnapshot } from './as-of.ts';
import type { VerifyDeps } from './verify.ts';

export interface WalletViewDeps {
  /** With snapshots, `asOf` a time starts from the newest snapshot recorded by then. */
  stores: { events: EventStore; readModels: ReadModelStore; snapshots?: SnapshotStore };
  /**
   * The threshold the views are folded under, or how to read it (the active rule set): read only
   * by the reads that fold, together with their own first reads, not before them.
   */
  config: ThresholdSource;
  /**
   * Signed checkpoints for /verify (see verify.ts), loaded on the first /verify only: in AWS the key
   * is a Secrets Manager read, which no other wallet read should pay on a cold start. Absent, or
   * resolving to undefined: /verify anchors to the read model only.
   */
  checkpoints?: () => Promise<VerifyDeps['checkpoints']>;
  /** With a clock, a read now shows holds past their expiry as released (heldAt); without, as recorded. */
  clock?: Clock;
}

/**
 * The wallet as it is now: the projected view with any events the projector has not applied yet
 * folded in, so a read reflects every acknowledged write, and (with a clock) holds past their
 * expiry as released. Undefined for a wallet with no events.
 */
export async function walletNow(deps: WalletViewDeps, walletId: string): Promise<WalletView | undefined> {
  const { events, readModels } = deps.stores;
  const view = await currentView(events, readModels, walletId, deps.config);
  if (view.eventCount === 0) return undefined;
  return deps.clock === undefined ? view : { ...view, ...heldAt(view, deps.clock.nowMs()) };
}

/** `asOf`: an effective time (events that happened at or before it) or the wallet's first N events. */
export type AsOf = { kind: 'time'; atMs: number } | { kind: 'version'; version: number };

/**
 * A bitemporal point: `asOf` in effective time (when things happened), `knownAtMs` in record time
 * (what Tally had recorded by then). Both: the wallet at `asOf` as it was known at `knownAtMs`, so
 * a late deposit or a correction recorded after `knownAtMs` is not yet in effect.
 */
export interface WalletAt {
  asOf?: AsOf;
  knownAtMs?: number;
}

/** The wallet at a bitemporal point; undefined when it had no events there. */
export async function walletAsOf(
  deps: WalletViewDeps,
  walletId: string,
  at: WalletAt,
): Promise<WalletView | undefined> {
  const { events, snapshots } = deps.stores;
  if (at.asOf === undefined && at.knownAtMs !== undefined && snapshots !== undefined) {
    // Record time alone follows each lane's prefix, as a snapshot does: start from one. Effective
    // time and versions do not, and are answered from the whole log below.
    const config = await configOf(deps);
    const fromSnapshot = await viewAtTimeFromSnapshot(events, snapshots, walletId, config, at.knownAtMs);
    if (fromSnapshot !== undefined) return fromSnapshot;
  }
  const [log, config] = await Promise.all([readWallet(events, walletId), configOf(deps)]);
  const known = at.knownAtMs === undefined ? log : recordedBy(log, at.knownAtMs);
  const { asOf } = at;
  const kept =
    asOf === undefined
      ? known
      : asOf.kind === 'version'
        ? firstRecorded(known, asOf.version)
        : inEffectAt(known, asOf.atMs);
  if (kept.length === 0) return undefined;
  return rebuildView(walletId, kept, config);
}

const configOf = ({ config }: WalletViewDeps): Promise<ThresholdConfig> => thresholdNow(config);

const recordedOrder = (a: RecordedEvent, b: RecordedEvent) =>
  a.recordedAtMs - b.recordedAtMs || a.lane - b.lane || a.version - b.version;

/** The wallet's first `count` events in the order they were recorded (time, then lane, then version). */
const firstRecorded = (events: RecordedEvent[], count: number): RecordedEvent[] =>
  lanePrefixes([...events].sort(recordedOrder).slice(0, count));

/** The events recorded at or before `atMs`: the log as it stood then. */
const recordedBy = (events: RecordedEvent[], atMs: number): RecordedEvent[] =>
  lanePrefixes(events.filter((recorded) => recorded.recordedAtMs <= atMs));

/**
 * Within a lane the kept events must be a prefix (1…n), which recorded order gives unless a clock
 * went backwards; each lane is cut at its first gap so the fold stays well-defined.
 */
function lanePrefixes(kept: RecordedEvent[]): RecordedEvent[] {
  const nextVersion = new Map<number, number>();
  const prefix: RecordedEvent[] = [];
  for (const recorded of [...kept].sort((a, b) => a.lane - b.lane || a.version - b.version)) {
    const expected = nextVersion.get(recorded.lane) ?? 1;
    if (recorded.version !== expected) continue;
    nextVersion.set(recorded.lane, expected + 1);
    prefix.push(recorded);
  }
  return prefix;
}
