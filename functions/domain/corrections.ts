/**
 * What corrections and retroactive rule sets need to know of a wallet's log, pure: the facts as
 * corrections left them, the points each fact holds per rule, and the adjustments that bring
 * those points to what a rule set says now. History is never rewritten; a difference is an event.
 */
import type { CorrectionTarget, RecordedEvent } from './wallet.ts';

type Recorded<T extends RecordedEvent['type']> = RecordedEvent & { type: T };

/** A deposit or fact as the latest correction of it left it. */
export interface CorrectionState {
  target: Recorded<'Deposited'> | Recorded<'FactRecorded'>;
  /** The latest correction in force (lane 0, highest version), if any. */
  correction?: Recorded<'EventCorrected'>;
  voided: boolean;
}

/** A fact as rules should see it now: its data and event time after corrections; voided ones excluded. */
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

const key = (event: { lane: number; version: number }) => `${event.lane}:${event.version}`;

/** The latest correction of every corrected event, by the target's `lane:version`. */
export function latestCorrections(events: readonly RecordedEvent[]): Map<string, Recorded<'EventCorrected'>> {
  const latest = new Map<string, Recorded<'EventCorrected'>>();
  for (const event of events) {
    if (event.type !== 'EventCorrected') continue;
    const target = key(event.data.target);
    const held = latest.get(target);
    if (held === undefined || held.version < event.version) latest.set(target, event);
  }
  return latest;
}

/** The state of one correctable event (a deposit or a fact). */
export function correctionState(
  events: readonly RecordedEvent[],
  target: Recorded<'Deposited'> | Recorded<'FactRecorded'>,
): CorrectionState {
  const correction = latestCorrections(events).get(key(target));
  return correction === undefined
    ? { target, voided: false }
    : { target, correction, voided: correction.data.action === 'void' };
}

/** Every fact not voided, with corrected data and time. */
export function effectiveFacts(events: readonly RecordedEvent[]): EffectiveFact[] {
  const corrections = latestCorrections(events);
  const versions = awardVersions(events);
  const applications = rulesApplied(events);
  const facts: EffectiveFact[] = [];
  for (const event of events) {
    if (event.type !== 'FactRecorded') continue;
    const correction = corrections.get(key(event));
    if (correction?.data.action === 'void') continue;
    const amended = correction?.data.fact;
    const occurredAtMs = amended?.occurredAtMs ?? event.data.occurredAtMs;
    const ruleSetVersion =
      applications.findLast(
        (applied) => covers(applied.data, occurredAtMs) && event.recordedAtMs <= applied.recordedAtMs,
      )?.data.ruleSetVersion ??
      event.data.ruleSetVersion ??
      versions.get(event.data.factId);
    facts.push({
      recorded: event,
      factId: event.data.factId,
      source: event.data.source,
      factType: event.data.factType,
      occurredAtMs,
      dataJson: amended?.dataJson ?? event.data.dataJson,
      ...(ruleSetVersion === undefined ? {} : { ruleSetVersion }),
    });
  }
  return facts;
}

/** Retroactive applications, oldest first (all in lane 0). */
export const rulesApplied = (events: readonly RecordedEvent[]): Recorded<'RulesApplied'>[] =>
  events
    .filter((event): event is Recorded<'RulesApplied'> => event.type === 'RulesApplied')
    .sort((a, b) => a.version - b.version);

/** True when a fact at `atMs` is in an application's range `[fromMs, toMs)`. */
export const covers = (range: { fromMs?: number; toMs?: number }, atMs: number): boolean =>
  (range.fromMs === undefined || atMs >= range.fromMs) && (range.toMs === undefined || atMs < range.toMs);

/**
 * True when the latest retroactive application is this one (same version and range): applying it
 * again needs no marker.
 */
export function applicationInForce(
  events: readonly RecordedEvent[],
  application: { ruleSetVersion: number; fromMs?: number; toMs?: number },
): boolean {
  const latest = rulesApplied(events).at(-1);
  return (
    latest !== undefined &&
    latest.data.ruleSetVersion === application.ruleSetVersion &&
    latest.data.fromMs === application.fromMs &&
    latest.data.toMs === application.toMs
  );
}

/** The rule set version of each fact's first award. */
function awardVersions(events: readonly RecordedEvent[]): Map<string, number> {
  const versions = new Map<string, number>();
  for (const event of events) {
    if (event.type === 'PointsAwarded' && !versions.has(event.data.factId)) {
      versions.set(event.data.factId, event.data.ruleSetVersion);
    }
  }
  return versions;
}

/** Points held per fact and rule: every award and adjustment summed. */
export function heldPoints(events: readonly RecordedEvent[]): Map<string, Map<string, HeldPoints>> {
  const held = new Map<string, Map<string, HeldPoints>>();
  for (const event of events) {
    if (event.type !== 'PointsAwarded' && event.type !== 'PointsAdjusted') continue;
    const { factId, ruleId, points, ruleTextHash, ruleSetVersion } = event.data;
    let byRule = held.get(factId);
    if (byRule === undefined) {
      byRule = new Map();
      held.set(factId, byRule);
    }
    const before = byRule.get(ruleId);
    byRule.set(ruleId, {
      points: (before?.points ?? 0n) + points,
      // An adjustment names the rule set it brought the points to; keep the latest one.
      ruleTextHash:
        before === undefined || event.type === 'PointsAdjusted' ? ruleTextHash : before.ruleTextHash,
      ruleSetVersion:
        before === undefined || event.type === 'PointsAdjusted' ? ruleSetVersion : before.ruleSetVersion,
    });
  }
  return held;
}

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

/**
 * The event an operator's reference names: its stored event id, the id it came in with (a
 * CloudEvent id, kept as `factId`), or the Idempotency-Key of its request. A deposit or fact is
 * preferred over the awards written with it.
 */
export function findByReference(
  events: readonly RecordedEvent[],
  reference: string,
): RecordedEvent | undefined {
  const matches = events.filter(
    (event) =>
      event.eventId === reference ||
      event.idempotencyKey === reference ||
      ((event.type === 'Deposited' || event.type === 'FactRecorded') && event.data.factId === reference),
  );
  return matches.find((event) => event.type === 'Deposited' || event.type === 'FactRecorded') ?? matches[0];
}

export const targetOf = (event: Recorded<'Deposited'> | Recorded<'FactRecorded'>): CorrectionTarget => ({
  eventId: event.eventId,
  lane: event.lane,
  version: event.version,
  type: event.type,
});
