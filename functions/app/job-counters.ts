import type { JobCounters } from '#ports/jobs.ts';

/** Counters before a job's first page: every one at zero. */
export const zeroCounters = (): JobCounters => ({
  wallets: 0,
  events: 0,
  changed: 0,
  written: 0,
  facts: 0,
  walletsWithDifference: 0,
  awardedPoints: 0n,
  candidatePoints: 0n,
  adjustmentsAppended: 0,
  ruleErrors: 0,
  scanned: 0,
  published: 0,
  rejected: 0,
});
