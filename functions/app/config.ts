/**
 * Deposits the view caches for the sliding window. Small on purpose: the view item must stay
 * under 1 KB (one write unit); a late deposit beyond the cache is decided from the log instead.
 * (The threshold and the window themselves are the active rule set's `above_threshold` flag.)
 */
export const RETAINED_DEPOSITS_MAX = 16;
