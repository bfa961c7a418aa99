import { eventTimeRuns } from './fold-order.ts';
import {
  applyDeposit,
  decidableWithoutHistory,
  initialThresholdState,
  type ThresholdConfig,
  type ThresholdState,
  thresholdFromDeposits,
  type WindowDeposit,
} from './threshold.ts';
import type { RecordedEvent } from './wallet.ts';
import { type ActiveHold, applyCardMoney, applyTrade, isCardEvent } from './wallet-view-trades.ts';

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
  /** Money moved by transfers and captures (in minus out), in `balanceMinor` too; then what holds reserve. */
  moneyMovedMinor: bigint;
  moneyHeldMinor: bigint;
  pointsHeld: bigint;
  /** Trading events (holds, captures, releases, transfers) applied. */
  tradeCount: number;
  /** The holds not yet captured or released, oldest first (see TradedView). */
  activeHolds: readonly ActiveHold[];
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
  moneyMovedMinor: 0n,
  moneyHeldMinor: 0n,
  pointsHeld: 0n,
  tradeCount: 0,
  activeHolds: [],
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
  if (events.length === 0) return { kind: 'projected', view };
  // One working copy per call, changed in place: a fresh object per event (spread) costs more than
  // the fold itself. `view` is never changed.
  const next: WalletView = { ...view, lanes: [...view.lanes] };
  for (const event of events) {
    if (event.walletId !== view.walletId) throw new Error('projectEvents: event of another wallet');
    const expected = (next.lanes[event.lane] ?? 0) + 1;
    if (event.version !== expected) {
      throw new Error(`projectEvents: lane ${event.lane} expected version ${expected}, got ${event.version}`);
    }
    switch (event.type) {
      case 'Deposited': {
        const correction = correctionOf(next, event);
        const effective =
          correction === undefined ? toWindowDeposit(event) : correctedDeposit(event, correction);
        if (effective !== null) {
          let priorDeposits: WindowDeposit[] | undefined;
          if (!decidableWithoutHistory(next.threshold, effective, config)) {
            if (history === undefined) return { kind: 'needs-history' };
            priorDeposits = appliedDepositsNear(next, history, effective.atMs, config.windowMs);
          }
          next.balanceMinor += effective.amountMinor;
          next.threshold = applyDeposit(next.threshold, effective, config, priorDeposits);
        }
        // A deposit voided before it was applied here is counted and changes nothing else.
        next.depositCount += 1;
        break;
      }
      case 'FactRecorded':
        next.factCount += 1;
        break;
      case 'PointsAwarded':
        next.points += event.data.points;
        next.awardCount += 1;
        break;
      case 'PointsAdjusted':
        next.points += event.data.points;
        next.adjustmentCount += 1;
        break;
      case 'RulesApplied':
        // Points moved with the PointsAdjusted events before it; this only marks the facts'
        // governing rule set (see functions/domain/corrections.ts).
        break;
      case 'EventCorrected': {
        const outcome = applyCorrection(next, event, config, history);
        if (outcome === 'needs-history') return { kind: 'needs-history' };
        break;
      }
      default:
        // Card events move money (applyCardMoney); holds, transfers and payments go to applyTrade,
        // which takes exactly those, so a new event type does not compile until it has a place.
        if (isCardEvent(event)) applyCardMoney(next, event);
        else applyTrade(next, event);
    }
    while (next.lanes.length <= event.lane) next.lanes.push(0);
    next.lanes[event.lane] = event.version;
    next.eventCount += 1;
    next.updatedAtMs = Math.max(next.updatedAtMs, event.recordedAtMs);
  }
  return { kind: 'projected', view: next };
}

/**
 * Folds a correction into `next` (in place). A deposit's correction is kept in `corrections`; if
 * the deposit was applied already, balance and window are recomputed from the deposits applied,
 * as corrected now (corrections are rare; this needs the wallet's history).
 */
function applyCorrection(
  next: WalletView,
  event: RecordedEvent & { type: 'EventCorrected' },
  config: ThresholdConfig,
  history: readonly RecordedEvent[] | undefined,
): 'applied' | 'needs-history' {
  const { target } = event.data;
  // A corrected fact changes points only through the PointsAdjusted events appended with it; a
  // later correction of the same deposit may be in force already.
  const existing = target.type === 'Deposited' ? correctionOf(next, target) : undefined;
  if (target.type !== 'Deposited' || (existing !== undefined && existing.byVersion > event.version)) {
    next.correctionCount += 1;
    return 'applied';
  }
  const applied = isApplied(next, target);
  if (applied && history === undefined) return 'needs-history';
  const entry: DepositCorrection = {
    lane: target.lane,
    version: target.version,
    byVersion: event.version,
    effective:
      event.data.action === 'void' || event.data.deposit === undefined
        ? null
        : { amountMinor: event.data.deposit.amountMinor, atMs: event.data.deposit.occurredAtMs },
  };
  next.corrections = [...next.corrections.filter((c) => !sameTarget(c, target)), entry].sort(
    (a, b) => a.lane - b.lane || a.version - b.version,
  );
  next.correctionCount += 1;
  if (applied && history !== undefined) {
    const deposits = effectiveDeposits(next, history);
    next.balanceMinor = deposits.reduce((sum, deposit) => sum + deposit.amountMinor, next.moneyMovedMinor);
    next.threshold = thresholdFromDeposits(deposits, config);
  }
  return 'applied';
}

/** The view from zero: what a rebuild from the log produces. Lanes may come in any order. */
export function rebuildView(
  walletId: string,
  events: readonly RecordedEvent[],
  config: ThresholdConfig,
): WalletView {
  let view = emptyView(walletId, config);
  for (const run of eventTimeRuns(events)) {
    const result = projectEvents(view, run, config, events);
    if (result.kind !== 'projected') throw new Error('unreachable: a rebuild has the whole history');
    view = result.view;
  }
  return view;
}

export const aboveThreshold = (view: WalletView): boolean => view.threshold.breach !== null;

/**
 * A view stored before the evicted buckets existed (`evicted: null`) with its window state
 * recomputed from `history` (which must hold every event the view applied): the state a rebuild
 * gives, buckets included. Any other view is returned as it is.
 */
export function withKnownBuckets(
  view: WalletView,
  history: readonly RecordedEvent[],
  config: ThresholdConfig,
): WalletView {
  if (view.threshold.evicted !== null) return view;
  return { ...view, threshold: thresholdFromDeposits(effectiveDeposits(view, history), config) };
}

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

type Deposit = RecordedEvent & { type: 'Deposited' };

/** Each history's deposits sorted by event time, built once per history array. */
const depositsByTime = new WeakMap<readonly RecordedEvent[], Deposit[]>();

function sortedDeposits(history: readonly RecordedEvent[]): Deposit[] {
  let sorted = depositsByTime.get(history);
  if (sorted === undefined) {
    sorted = history
      .filter((event): event is Deposit => event.type === 'Deposited')
      .sort((a, b) => a.data.occurredAtMs - b.data.occurredAtMs);
    depositsByTime.set(history, sorted);
  }
  return sorted;
}

/** The first index of `sorted` whose event time is at least `atMs`. */
function firstAtOrAfter(sorted: readonly Deposit[], atMs: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((sorted[middle] as Deposit).data.occurredAtMs < atMs) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * The deposits `view` has applied, as its corrections leave them, whose event time is in
 * `(atMs − windowMs, atMs + windowMs)`: all a deposit at `atMs` needs to be decided (only windows
 * ending in `[atMs, atMs + windowMs)` change). Found by binary search in the history sorted once,
 * so deciding from history costs the window's deposits, not the wallet's whole log.
 */
function appliedDepositsNear(
  view: WalletView,
  history: readonly RecordedEvent[],
  atMs: number,
  windowMs: number,
): WindowDeposit[] {
  const sorted = sortedDeposits(history);
  const deposits: WindowDeposit[] = [];
  const end = firstAtOrAfter(sorted, atMs + windowMs);
  for (let index = firstAtOrAfter(sorted, atMs - windowMs + 1); index < end; index++) {
    const event = sorted[index] as Deposit;
    if (isApplied(view, event) && correctionOf(view, event) === undefined)
      deposits.push(toWindowDeposit(event));
  }
  // Corrected deposits count at their corrected time (if not voided), wherever they were recorded.
  for (const entry of view.corrections) {
    const effective = entry.effective;
    if (effective === null || !isApplied(view, entry)) continue;
    if (effective.atMs > atMs - windowMs && effective.atMs < atMs + windowMs) {
      deposits.push({
        atMs: effective.atMs,
        amountMinor: effective.amountMinor,
        lane: entry.lane,
        version: entry.version,
      });
    }
  }
  return deposits;
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
