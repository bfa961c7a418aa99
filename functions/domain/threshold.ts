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
 * - `evicted`: while no window has breached, per bucket of `bucketMs(config)` (an eighth of the
 *   window), the sum of the applied deposits that are not retained, for the buckets from the one
 *   holding `maxAtMs − 2·windowMs` on (at most 17). It bounds what a window holds when more deposits
 *   fall in it than the cache keeps: a wallet taking many small deposits decides each from the
 *   bound (no window containing it can exceed the threshold) instead of reading its history. Empty
 *   once breached: the cache decides every deposit from the breach on, history any earlier one.
 *   `null` on a view stored before this field existed: such a view decides as it did (from
 *   history) until a replay rebuilds it.
 * A deposit not retained never becomes retained again (the age limit only moves forward, and the
 * ones that pushed it out stay newer), which is what lets a step update the cache from itself.
 * A deposit that neither the cache nor the bound decides is decided from the history instead.
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
  /** Sorted by `fromMs`; only non-empty buckets. `null`: unknown (a view stored before it existed). */
  evicted: EvictedBucket[] | null;
}

/** The deposits the cache let go whose event time is in `[fromMs, fromMs + bucketMs)`, summed. */
export interface EvictedBucket {
  fromMs: number;
  sumMinor: bigint;
}

/** The width of an `evicted` bucket: an eighth of the window (at least 1 ms). */
export const bucketMs = (config: Pick<ThresholdConfig, 'windowMs'>): number =>
  Math.max(1, Math.ceil(config.windowMs / 8));

const bucketStart = (atMs: number, widthMs: number): number => Math.floor(atMs / widthMs) * widthMs;

/** The view lists this many of the breaching deposits (the window's bounds find the rest in the log). */
export const BREACH_DEPOSITS_LISTED = 10;

export const initialThresholdState = (): ThresholdState => ({
  breach: null,
  maxAtMs: null,
  coverFromMs: null,
  retained: [],
  evicted: [],
});

export const byEventTime = (a: WindowDeposit, b: WindowDeposit): number =>
  a.atMs - b.atMs || a.lane - b.lane || a.version - b.version;

/** True when the cache alone holds every applied deposit a deposit at `atMs` could share a window with. */
export function canDecideFromCache(state: ThresholdState, atMs: number, config: ThresholdConfig): boolean {
  if (state.breach !== null && atMs >= state.breach.atMs) return true;
  return state.coverFromMs === null || atMs - config.windowMs >= state.coverFromMs;
}

/**
 * True when `deposit` can be applied without the history: the cache decides it, or the bound does.
 * Every window `deposit` falls in lies within `(atMs − windowMs, atMs + windowMs)`; when the deposit
 * plus every applied deposit there (the retained ones exactly, the evicted ones by whole buckets)
 * sums to no more than the threshold, no window with it can breach, and the breach stays as it is.
 * The buckets hold every deposit the cache let go from `maxAtMs − 2·windowMs` on, so the bound is
 * complete for a deposit at `maxAtMs − windowMs` or later (every in-order deposit).
 */
export function decidableWithoutHistory(
  state: ThresholdState,
  deposit: WindowDeposit,
  config: ThresholdConfig,
): boolean {
  if (canDecideFromCache(state, deposit.atMs, config)) return true;
  const { evicted, maxAtMs } = state;
  if (state.breach !== null || evicted === null || maxAtMs === null) return false;
  if (deposit.atMs < maxAtMs - config.windowMs) return false;
  const fromMs = deposit.atMs - config.windowMs; // exclusive
  const toMs = deposit.atMs + config.windowMs; // exclusive
  const widthMs = bucketMs(config);
  let boundMinor = deposit.amountMinor;
  for (const entry of state.retained) {
    if (entry.atMs > fromMs && entry.atMs < toMs) boundMinor += entry.amountMinor;
  }
  for (const bucket of evicted) {
    if (bucket.fromMs + widthMs > fromMs && bucket.fromMs < toMs) boundMinor += bucket.sumMinor;
  }
  return boundMinor <= config.thresholdMinor;
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
  // Decided by the bound, the retained deposits are enough too: the windows they give sum to no
  // more than the bound, so none breaches, as none does with every deposit counted.
  const fromCache = decidableWithoutHistory(state, deposit, config);
  if (!fromCache && history === undefined) {
    throw new Error(
      'applyDeposit: history is required for a deposit neither the cache nor the bound decides',
    );
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
  return {
    breach,
    maxAtMs,
    coverFromMs,
    retained: candidates.slice(keepFrom),
    evicted: breach !== null ? [] : evictedAfter(state.evicted, candidates, keepFrom, ageLimitMs, config),
  };
}

/**
 * The buckets once `candidates[0 … keepFrom)` have left the cache: buckets wholly before the one
 * holding the age limit are dropped, the deposits that left are added to theirs (if not dropped).
 */
function evictedAfter(
  evicted: readonly EvictedBucket[] | null,
  candidates: readonly WindowDeposit[],
  keepFrom: number,
  ageLimitMs: number,
  config: ThresholdConfig,
): EvictedBucket[] | null {
  if (evicted === null) return null;
  const widthMs = bucketMs(config);
  const liveFromMs = bucketStart(ageLimitMs, widthMs);
  // Most steps change nothing here (a sparse wallet's deposits leave the cache by age, before
  // the buckets' range): no copy then.
  let adds = false;
  for (let index = 0; index < keepFrom && !adds; index++) {
    adds = (candidates[index] as WindowDeposit).atMs >= liveFromMs;
  }
  if (!adds && (evicted[0] === undefined || evicted[0].fromMs >= liveFromMs)) {
    return evicted as EvictedBucket[];
  }
  const sums = new Map<number, bigint>();
  for (const bucket of evicted) {
    if (bucket.fromMs >= liveFromMs) sums.set(bucket.fromMs, bucket.sumMinor);
  }
  for (let index = 0; index < keepFrom; index++) {
    const entry = candidates[index] as WindowDeposit;
    const fromMs = bucketStart(entry.atMs, widthMs);
    if (fromMs >= liveFromMs) sums.set(fromMs, (sums.get(fromMs) ?? 0n) + entry.amountMinor);
  }
  return [...sums].map(([fromMs, sumMinor]) => ({ fromMs, sumMinor })).sort((a, b) => a.fromMs - b.fromMs);
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
    const fromCache = decidableWithoutHistory(state, deposit, config);
    state = applyDeposit(state, deposit, config, fromCache ? undefined : sorted.slice(0, index));
  });
  return state;
}
