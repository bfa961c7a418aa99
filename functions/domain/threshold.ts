/**
 * The AboveThreshold flag: true once the deposits whose event time falls in one sliding window
 * `(t − windowMs, t]` sum to strictly more than the threshold; sticky from its first breach on.
 *
 * Exact under out-of-order event times (the original service over-counts there). Only windows
 * that end at a deposit's time can breach first, and a new deposit at time `e` only touches
 * windows ending in `[e, e + windowMs)`, so a step needs the deposits in `(e − windowMs, e + windowMs)`.
 *
 * Every field is a function of the SET of deposits applied, not of the order they came in:
 * - `breach`: the earliest breaching window;
 * - `retained`: the newest `retainMax` deposits (by event time, then lane, then version) among those
 *   with `atMs > maxAtMs − 2·windowMs` — the cache that decides most steps without a read;
 * - `coverFromMs`: the latest event time of an applied deposit that is not retained, so every
 *   applied deposit with `atMs > coverFromMs` is in `retained`.
 * A deposit not retained never becomes retained again (the age limit only moves forward, and the
 * ones that pushed it out stay newer), which is what lets a step update the cache from itself.
 * A deposit that arrives too late for the cache is decided from the whole history instead.
 */

export interface ThresholdConfig {
  thresholdMinor: bigint;
  windowMs: number;
  /** Upper bound on cached deposits, so the read-model item stays small. */
  retainMax: number;
}

export interface WindowDeposit {
  atMs: number;
  amountMinor: bigint;
  lane: number;
  version: number;
}

export interface Breach {
  /** End of the first window that exceeded the threshold (a deposit's event time). */
  atMs: number;
  /** Start of that window, exclusive. */
  windowStartMs: number;
  sumMinor: bigint;
  depositCount: number;
  /** The deposits that did it, oldest first; at most BREACH_DEPOSITS_LISTED of them. */
  deposits: WindowDeposit[];
}

export interface ThresholdState {
  breach: Breach | null;
  maxAtMs: number | null;
  /** Every applied deposit with `atMs > coverFromMs` is in `retained`; null when all are. */
  coverFromMs: number | null;
  /** Sorted by (atMs, lane, version). */
  retained: WindowDeposit[];
}

/** The view lists this many of the breaching deposits (the window's bounds find the rest in the log). */
export const BREACH_DEPOSITS_LISTED = 10;

export const initialThresholdState = (): ThresholdState => ({
  breach: null,
  maxAtMs: null,
  coverFromMs: null,
  retained: [],
});

export const byEventTime = (a: WindowDeposit, b: WindowDeposit): number =>
  a.atMs - b.atMs || a.lane - b.lane || a.version - b.version;

/** True when the cache alone can decide the effect of a deposit at `atMs`. */
export function canDecideFromCache(state: ThresholdState, atMs: number, config: ThresholdConfig): boolean {
  if (state.breach !== null && atMs >= state.breach.atMs) return true;
  return state.coverFromMs === null || atMs - config.windowMs >= state.coverFromMs;
}

/**
 * Applies one deposit. `history` (every deposit applied before this one, any order) is needed only
 * when `canDecideFromCache` is false; passing it always is correct, just slower.
 */
export function applyDeposit(
  state: ThresholdState,
  deposit: WindowDeposit,
  config: ThresholdConfig,
  history?: readonly WindowDeposit[],
): ThresholdState {
  const fromCache = canDecideFromCache(state, deposit.atMs, config);
  if (!fromCache && history === undefined) {
    throw new Error('applyDeposit: history is required for a deposit older than the cache covers');
  }
  const earliest = earliestBreach(
    state.breach,
    deposit,
    fromCache ? state.retained : (history ?? []),
    config,
  );
  // A deposit inside the window that first breached (but not early enough to breach sooner)
  // belongs to that window's sum and list all the same: the record must not depend on arrival order.
  const breach =
    earliest !== null &&
    earliest === state.breach &&
    deposit.atMs > earliest.windowStartMs &&
    deposit.atMs <= earliest.atMs
      ? withDeposit(earliest, deposit)
      : earliest;

  const maxAtMs = state.maxAtMs === null ? deposit.atMs : Math.max(state.maxAtMs, deposit.atMs);
  const ageLimitMs = maxAtMs - 2 * config.windowMs;
  const candidates = [...state.retained, deposit].sort(byEventTime);
  const eligibleFrom = candidates.findIndex((entry) => entry.atMs > ageLimitMs);
  const keepFrom = Math.max(
    eligibleFrom === -1 ? candidates.length : eligibleFrom,
    candidates.length - config.retainMax,
  );
  let coverFromMs = state.coverFromMs;
  const newestRemoved = candidates[keepFrom - 1];
  if (newestRemoved !== undefined) {
    coverFromMs = coverFromMs === null ? newestRemoved.atMs : Math.max(coverFromMs, newestRemoved.atMs);
  }
  return { breach, maxAtMs, coverFromMs, retained: candidates.slice(keepFrom) };
}

function withDeposit(breach: Breach, deposit: WindowDeposit): Breach {
  const listed = [...breach.deposits, deposit].sort(byEventTime).slice(0, BREACH_DEPOSITS_LISTED);
  return {
    ...breach,
    sumMinor: breach.sumMinor + deposit.amountMinor,
    depositCount: breach.depositCount + 1,
    deposits: listed,
  };
}

/**
 * The earliest breaching window once `deposit` is added to `known` (which must hold every
 * applied deposit in `(deposit.atMs − windowMs, deposit.atMs + windowMs)` below the current breach).
 */
function earliestBreach(
  current: Breach | null,
  deposit: WindowDeposit,
  known: readonly WindowDeposit[],
  config: ThresholdConfig,
): Breach | null {
  if (current !== null && deposit.atMs >= current.atMs) return current;
  const upperMs = Math.min(deposit.atMs + config.windowMs, current?.atMs ?? Number.POSITIVE_INFINITY);
  const relevant = known.filter(
    (entry) => entry.atMs > deposit.atMs - config.windowMs && entry.atMs < upperMs,
  );
  relevant.push(deposit);
  relevant.sort(byEventTime);

  // Slide the window end over each distinct deposit time at or after the new deposit.
  let start = 0;
  let sumMinor = 0n;
  for (let end = 0; end < relevant.length; end++) {
    const entry = relevant[end] as WindowDeposit;
    sumMinor += entry.amountMinor;
    const next = relevant[end + 1];
    if (next !== undefined && next.atMs === entry.atMs) continue; // a window ends after all deposits at t
    const endMs = entry.atMs;
    while (start <= end && (relevant[start] as WindowDeposit).atMs <= endMs - config.windowMs) {
      sumMinor -= (relevant[start] as WindowDeposit).amountMinor;
      start++;
    }
    if (endMs >= deposit.atMs && sumMinor > config.thresholdMinor) {
      const inWindow = relevant.slice(start, end + 1);
      return {
        atMs: endMs,
        windowStartMs: endMs - config.windowMs,
        sumMinor,
        depositCount: inWindow.length,
        deposits: inWindow.slice(0, BREACH_DEPOSITS_LISTED),
      };
    }
  }
  return current;
}

/**
 * The state for a set of deposits, from zero (any order in, the same state out): what a
 * correction needs when it changes a deposit already applied.
 */
export function thresholdFromDeposits(
  deposits: readonly WindowDeposit[],
  config: ThresholdConfig,
): ThresholdState {
  const sorted = [...deposits].sort(byEventTime);
  let state = initialThresholdState();
  sorted.forEach((deposit, index) => {
    const fromCache = canDecideFromCache(state, deposit.atMs, config);
    state = applyDeposit(state, deposit, config, fromCache ? undefined : sorted.slice(0, index));
  });
  return state;
}
