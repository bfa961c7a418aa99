import {
  applyDeposit,
  canDecideFromCache,
  initialThresholdState,
  type ThresholdConfig,
  type ThresholdState,
  type WindowDeposit,
} from './threshold.ts';
import { assertNever, type RecordedEvent } from './wallet.ts';

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
        const deposit = toWindowDeposit(event);
        let priorDeposits: WindowDeposit[] | undefined;
        if (!canDecideFromCache(next.threshold, deposit.atMs, config)) {
          if (history === undefined) return { kind: 'needs-history' };
          const applied = next;
          priorDeposits = history.filter((prior) => isApplied(applied, prior)).flatMap(depositOf);
        }
        next = {
          ...next,
          ...counted,
          balanceMinor: next.balanceMinor + event.data.amountMinor,
          depositCount: next.depositCount + 1,
          threshold: applyDeposit(next.threshold, deposit, config, priorDeposits),
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

const depositOf = (event: RecordedEvent): WindowDeposit[] =>
  event.type === 'Deposited' ? [toWindowDeposit(event)] : [];
