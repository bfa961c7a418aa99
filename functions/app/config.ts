import { parseAmountMinor } from '#domain/money.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import { ENV } from '#lib/wiring.ts';

/** Defaults of the original wallet service: more than 10,000 within 2 minutes. */
export const DEFAULT_THRESHOLD_MAJOR = '10000';
export const DEFAULT_WINDOW_SECONDS = 120;
/**
 * Deposits the view caches for the sliding window. Small on purpose: the view item must stay
 * under 1 KB (one write unit); a late deposit beyond the cache is decided from the log instead.
 */
export const RETAINED_DEPOSITS_MAX = 16;

/** The threshold rule from the environment; a bad value stops the function at cold start. */
export function thresholdConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ThresholdConfig {
  const thresholdText = env[ENV.thresholdMajor] ?? DEFAULT_THRESHOLD_MAJOR;
  const windowSeconds = Number(env[ENV.windowSeconds] ?? DEFAULT_WINDOW_SECONDS);
  if (!Number.isInteger(windowSeconds) || windowSeconds <= 0) {
    throw new Error(`${ENV.windowSeconds} must be a positive whole number of seconds`);
  }
  return {
    thresholdMinor: parseAmountMinor(thresholdText),
    windowMs: windowSeconds * 1000,
    retainMax: RETAINED_DEPOSITS_MAX,
  };
}

let cached: ThresholdConfig | undefined;
/** The threshold rule of this function instance, read once. */
export function thresholdConfig(): ThresholdConfig {
  cached ??= thresholdConfigFromEnv();
  return cached;
}
