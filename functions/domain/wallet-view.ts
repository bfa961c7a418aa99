import {
  applyDeposit,
  canDecideFromCache,
  initialThresholdState,
  type ThresholdConfig,
  type ThresholdState,
  thresholdFromDeposits,
  type WindowDeposit,
} from './threshold.ts';
import { assertNever, type RecordedEvent } from './wallet.ts';

/**
 * A deposit as corrections left it: `effective` null when voided, else its corrected amount and
 * event time. Only the latest correction of a deposit counts (corrections are all in lane 0, so
 * `byVersion` orders them).
 */
export interface DepositCorrection {
  lane: number;
  version: number;
  byVersion: number;
  effective: { amountMinor: bigint; atMs: number } | null;
}

/**
 * The wallet read model: balance and AboveThreshold flag. Every field is a function of the set of
 * events applied (never of the order or batching they came in), so rebuilding it from the log
 * gives the same value, field for field.
 */
export interface WalletView {
  walletId: string;
  /** `lanes[k]` is the last version of lane k folded in; the projector applies `lanes[k] + 1` next. */
  lanes: number[];
  /** Events folded in, over all lanes. */
  eventCount: number;
  balanceMinor: bigint;
  depositCount: number;
  /** Points awarded by rules (whole points, not money). */
  points: bigint;
  awardCount: number;
  /** Facts (business events from other apps) recorded. */
  factCount: number;
  /** Corrections (voids and amendments) applied, of deposits and facts. */
  correctionCount: number;
  /** Points adjustments (from corrections and retroactive rule sets) applied; `points` includes them. */
  adjustmentCount: number;
  /** The deposits corrections changed, by (lane, version): kept so a deposit applied after its correction counts as corrected. */
  corrections: DepositCorrection[];
  /** The latest `recordedAtMs` applied: from the log, not a clock, so rebuilds agree. */
  updatedAtMs: number;
  /** The threshold rule the flag was computed with; a change of configuration forces a rebuild. */
  thresholdMinor: bigint;
  windowMs: number;
  threshold: ThresholdState;
}

export type ProjectionResult =
  | { kind: 'projected'; view: WalletView }
  /** A deposit arrived later than the cache covers: call again with the wallet's whole history. */
  | { kind: 'needs-history' };

export const emptyView = (walletId: string, config: ThresholdConfig): WalletView => ({
  walletId,
  lanes: [0],
  eventCount: 0,
  balanceMinor: 0n,
  depositCount: 0,
  points: 0n,
  awardCount: 0,
  factCount: 0,
  correctionCount: 0,
  adjustmentCount: 0,
  corrections: [],
  updatedAtMs: 0,
  thresholdMinor: config.thresholdMinor,
  windowMs: config.windowMs,
  threshold: initialThresholdState(),
});

/** False when the view was computed under another threshold rule and must be rebuilt from zero. */
export const viewMatchesConfig = (view: WalletView, config: ThresholdConfig): boolean =>
  view.thresholdMinor === config.thresholdMinor && view.windowMs === config.windowMs;

/** True when `event` is already folded into `view`. */
export const isApplied = (view: WalletView, event: { lane: number; version: number }): boolean =>
  event.version <= (view.lanes[event.lane] ?? 0);

/**
 * Folds `events` — one lane, contiguous, ascending, starting at `view.lanes[lane] + 1` — into `view`.
 * `history`, when given, holds at least every event already folded into `view` (more is fine).
 */
export function projectEvents(
  view: WalletView,
  events: readonly RecordedEvent[],
  config: ThresholdConfig,
  history?: readonly RecordedEvent[],
): ProjectionResult {
  if (!viewMatchesConfig(view, config)) {
    throw new Error('projectEvents: view was computed under another threshold rule; rebuild it');
  }
  let next = view;
  for (const event of events) {
    if (event.walletId !== view.walletId) throw new Error('projectEvents: event of another wallet');
    const expected = (next.lanes[event.lane] ?? 0) + 1;
    if (event.version !== expected) {
      throw new Error(`projectEvents: lane ${event.lane} expected version ${expected}, got ${event.version}`);
    }
    const lanes = [...next.lanes];
    while (lanes.length <= event.lane) lanes.push(0);
    lanes[event.lane] = event.version;
    const counted = {
      lanes,
      eventCount: next.eventCount + 1,
      updatedAtMs: Math.max(next.updatedAtMs, event.recordedAtMs),
    };
    switch (event.type) {
      case 'Deposited': {
        const correction = correctionOf(next, event);
        const effective =
          correction === undefined ? toWindowDeposit(event) : correctedDeposit(event, correction);
        if (effective === null) {
          // Voided before it was applied here: it is counted, and changes nothing else.
          next = { ...next, ...counted, depositCount: next.depositCount + 1 };
          break;
        }
        let priorDeposits: WindowDeposit[] | undefined;
        if (!canDecideFromCache(next.threshold, effective.atMs, config)) {
          if (history === undefined) return { kind: 'needs-history' };
          priorDeposits = effectiveDeposits(next, history);
        }
        next = {
          ...next,
          ...counted,
          balanceMinor: next.balanceMinor + effective.amountMinor,
          depositCount: next.depositCount + 1,
          threshold: applyDeposit(next.threshold, effective, config, priorDeposits),
        };
        break;
      }
      case 'FactRecorded':
        next = { ...next, ...counted, factCount: next.factCount + 1 };
        break;
      case 'PointsAwarded':
        next = {
          ...next,
          ...counted,
          points: next.points + event.data.points,
          awardCount: next.awardCount + 1,
        };
        break;
      case 'PointsAdjusted':
        next = {
          ...next,
          ...counted,
          points: next.points + event.data.points,
          adjustmentCount: next.adjustmentCount + 1,
        };
        break;
      case 'RulesApplied':
        // Points moved with the PointsAdjusted events before it; this only marks the facts'
        // governing rule set (see functions/domain/corrections.ts).
        next = { ...next, ...counted };
        break;
      case 'EventCorrected': {
        const { target } = event.data;
        const corrected = { ...next, ...counted, correctionCount: next.correctionCount + 1 };
        if (target.type !== 'Deposited') {
          // A corrected fact changes points only through the PointsAdjusted events appended with it.
          next = corrected;
          break;
        }
        const existing = correctionOf(next, target);
        if (existing !== undefined && existing.byVersion > event.version) {
          next = corrected; // a later correction of the same deposit is in force already
          break;
        }
        const entry: DepositCorrection = {
          lane: target.lane,
          version: target.version,
          byVersion: event.version,
          effective:
            event.data.action === 'void' || event.data.deposit === undefined
              ? null
              : { amountMinor: event.data.deposit.amountMinor, atMs: event.data.deposit.occurredAtMs },
        };
        const corrections = [...next.corrections.filter((c) => !sameTarget(c, target)), entry].sort(
          (a, b) => a.lane - b.lane || a.version - b.version,
        );
        if (!isApplied(next, target)) {
          // The deposit comes later (another lane): it will be applied as corrected.
          next = { ...corrected, corrections };
          break;
        }
        // The deposit was applied as it stood: balance and flag are recomputed from the deposits
        // applied, as corrected now. Corrections are rare; this reads the wallet's history.
        if (history === undefined) return { kind: 'needs-history' };
        const withCorrection = { ...corrected, corrections };
        const deposits = effectiveDeposits(withCorrection, history);
        next = {
          ...withCorrection,
          balanceMinor: deposits.reduce((sum, deposit) => sum + deposit.amountMinor, 0n),
          threshold: thresholdFromDeposits(deposits, config),
        };
        break;
      }
      default:
        return assertNever(event);
    }
  }
  return { kind: 'projected', view: next };
}

/** The view from zero: what a rebuild from the log produces. Lanes may come in any order. */
export function rebuildView(
  walletId: string,
  events: readonly RecordedEvent[],
  config: ThresholdConfig,
): WalletView {
  const ordered = [...events].sort((a, b) => a.lane - b.lane || a.version - b.version);
  let view = emptyView(walletId, config);
  let start = 0;
  while (start < ordered.length) {
    const lane = ordered[start]?.lane;
    let end = start;
    while (end < ordered.length && ordered[end]?.lane === lane) end++;
    const result = projectEvents(view, ordered.slice(start, end), config, events);
    if (result.kind !== 'projected') throw new Error('unreachable: a rebuild has the whole history');
    view = result.view;
    start = end;
  }
  return view;
}

export const aboveThreshold = (view: WalletView): boolean => view.threshold.breach !== null;

const toWindowDeposit = (event: RecordedEvent & { type: 'Deposited' }): WindowDeposit => ({
  atMs: event.data.occurredAtMs,
  amountMinor: event.data.amountMinor,
  lane: event.lane,
  version: event.version,
});

const sameTarget = (a: { lane: number; version: number }, b: { lane: number; version: number }) =>
  a.lane === b.lane && a.version === b.version;

const correctionOf = (
  view: WalletView,
  target: { lane: number; version: number },
): DepositCorrection | undefined => view.corrections.find((entry) => sameTarget(entry, target));

/** The deposit as its correction left it; null when voided. */
function correctedDeposit(
  event: RecordedEvent & { type: 'Deposited' },
  correction: DepositCorrection,
): WindowDeposit | null {
  if (correction.effective === null) return null;
  return {
    atMs: correction.effective.atMs,
    amountMinor: correction.effective.amountMinor,
    lane: event.lane,
    version: event.version,
  };
}

/** Every deposit of `history` that `view` has applied, as the view's corrections leave it. */
function effectiveDeposits(view: WalletView, history: readonly RecordedEvent[]): WindowDeposit[] {
  const deposits: WindowDeposit[] = [];
  for (const event of history) {
    if (event.type !== 'Deposited' || !isApplied(view, event)) continue;
    const correction = correctionOf(view, event);
    const effective = correction === undefined ? toWindowDeposit(event) : correctedDeposit(event, correction);
    if (effective !== null) deposits.push(effective);
  }
  return deposits;
}
