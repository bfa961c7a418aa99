/**
 * Points as facts hold them, and the adjustments that bring them to what a rule set says now.
 * History is never rewritten: a difference is an event (PointsAdjusted).
 */
import type { CorrectionTarget, RecordedEvent } from './events.ts';

type Recorded<T extends RecordedEvent['type']> = RecordedEvent & { type: T };

/** A fact as rules should see it now: its data and event time after corrections. */
export interface EffectiveFact {
  recorded: Recorded<'FactRecorded'>;
  factId: string;
  source: string;
  factType: string;
  occurredAtMs: number;
  dataJson: string;
  /**
   * The rule set version that governs it, when the log says: the latest retroactive application
   * recorded after it and covering its (corrected) event time, else the version that first
   * decided it (the fact names it, or its awards do).
   */
  ruleSetVersion?: number;
}

/** Points a fact holds from one rule: awards plus adjustments. */
export interface HeldPoints {
  points: bigint;
  ruleTextHash: string;
  ruleSetVersion: number;
}

/** What a rule set says one fact earns from one rule. */
export interface ExpectedAward {
  ruleId: string;
  ruleTextHash: string;
  points: bigint;
}

export type AdjustmentData = Recorded<'PointsAdjusted'>['data'];

/** True when a fact at `atMs` is in an application's range `[fromMs, toMs)`. */
export const covers = (range: { fromMs?: number; toMs?: number }, atMs: number): boolean =>
  (range.fromMs === undefined || atMs >= range.fromMs) && (range.toMs === undefined || atMs < range.toMs);

/** The total points a fact holds. */
export const totalHeld = (byRule: ReadonlyMap<string, HeldPoints> | undefined): bigint =>
  [...(byRule?.values() ?? [])].reduce((sum, entry) => sum + entry.points, 0n);

/**
 * The adjustments that bring what a fact holds to what a rule set (version `ruleSetVersion`) says
 * it earns: one per rule whose points differ, rules in a stable order (held first, then new ones).
 */
export function adjustmentsFor(
  factId: string,
  held: ReadonlyMap<string, HeldPoints> | undefined,
  expected: readonly ExpectedAward[],
  ruleSetVersion: number,
  cause: AdjustmentData['cause'],
  causeId: string,
): AdjustmentData[] {
  const wanted = new Map<string, ExpectedAward>();
  for (const award of expected) {
    const before = wanted.get(award.ruleId);
    wanted.set(award.ruleId, { ...award, points: (before?.points ?? 0n) + award.points });
  }
  const ruleIds = [...new Set([...(held?.keys() ?? []), ...wanted.keys()])];
  const adjustments: AdjustmentData[] = [];
  for (const ruleId of ruleIds) {
    const has = held?.get(ruleId);
    const want = wanted.get(ruleId);
    const difference = (want?.points ?? 0n) - (has?.points ?? 0n);
    if (difference === 0n) continue;
    adjustments.push({
      points: difference,
      factId,
      ruleId,
      ruleSetVersion,
      ruleTextHash: want?.ruleTextHash ?? has?.ruleTextHash ?? '',
      cause,
      causeId,
    });
  }
  return adjustments;
}

export const targetOf = (event: Recorded<'Deposited'> | Recorded<'FactRecorded'>): CorrectionTarget => ({
  eventId: event.eventId,
  lane: event.lane,
  version: event.version,
  type: event.type,
});
