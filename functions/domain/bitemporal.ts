import type { RecordedEvent } from './wallet.ts';

/**
 * Effective time (issue 13 §3): when an event says it happened, as opposed to when Tally recorded
 * it. A ledger answers both "what was the balance at 17:00?" (effective time, `asOf`) and "what did
 * we report at 17:00?" (record time, `knownAt`).
 *
 * - a deposit or fact: its own event time (`occurredAtMs`, a CloudEvent's `time`);
 * - points awarded or adjusted by a backtest: the time of the fact that earned them;
 * - a correction, and the points it adjusts: the time of the event it corrects, because a
 *   correction rewrites that event's history (voided: it never happened) rather than happening
 *   on its own; whether it is known yet is `knownAt`'s question, not `asOf`'s;
 * - everything else (holds, transfers, rule applications): when it was recorded, since it
 *   happens when Tally decides it.
 */
export function effectiveTimes(events: readonly RecordedEvent[]): Map<RecordedEvent, number> {
  const factTimes = new Map<string, number>();
  const byPosition = new Map<string, RecordedEvent>();
  const correctionsById = new Map<string, RecordedEvent & { type: 'EventCorrected' }>();
  for (const event of events) {
    byPosition.set(`${event.lane}:${event.version}`, event);
    if (event.type === 'FactRecorded') factTimes.set(event.data.factId, event.data.occurredAtMs);
    if (event.type === 'EventCorrected') correctionsById.set(event.eventId, event);
  }
  const ownTime = (event: RecordedEvent | undefined): number | undefined =>
    event?.type === 'Deposited' || event?.type === 'FactRecorded' ? event.data.occurredAtMs : undefined;
  const correctedTime = (correction: (RecordedEvent & { type: 'EventCorrected' }) | undefined) => {
    const target = correction?.data.target;
    return target === undefined ? undefined : ownTime(byPosition.get(`${target.lane}:${target.version}`));
  };
  const times = new Map<RecordedEvent, number>();
  for (const event of events) {
    let time: number | undefined;
    switch (event.type) {
      case 'Deposited':
      case 'FactRecorded':
        time = event.data.occurredAtMs;
        break;
      case 'PointsAwarded':
        time = factTimes.get(event.data.factId);
        break;
      case 'PointsAdjusted':
        time =
          event.data.cause === 'correction'
            ? correctedTime(correctionsById.get(event.data.causeId))
            : factTimes.get(event.data.factId);
        break;
      case 'EventCorrected':
        time = correctedTime(event);
        break;
      default:
        time = undefined;
    }
    times.set(event, time ?? event.recordedAtMs);
  }
  return times;
}

/**
 * The events in effect at `atMs` (effective time at or before it), renumbered so that each lane
 * is dense from 1 again, as a fold needs; a correction's target is renumbered with it (a
 * correction is in effect exactly when its target is, so its target is always kept).
 */
export function inEffectAt(events: readonly RecordedEvent[], atMs: number): RecordedEvent[] {
  const times = effectiveTimes(events);
  const kept = events
    .filter((event) => (times.get(event) ?? event.recordedAtMs) <= atMs)
    .sort((a, b) => a.lane - b.lane || a.version - b.version);
  const renumbered = new Map<string, number>();
  const next = new Map<number, number>();
  const out: RecordedEvent[] = [];
  for (const event of kept) {
    const version = (next.get(event.lane) ?? 0) + 1;
    next.set(event.lane, version);
    renumbered.set(`${event.lane}:${event.version}`, version);
    out.push({ ...event, version } as RecordedEvent);
  }
  return out.map((event) => {
    if (event.type !== 'EventCorrected') return event;
    const { target } = event.data;
    const version = renumbered.get(`${target.lane}:${target.version}`) ?? target.version;
    return { ...event, data: { ...event.data, target: { ...target, version } } };
  });
}

/** A bitemporal cut: effective time `asOfMs` (happened by then) and record time `knownAtMs` (recorded by then). */
export interface TimeCut {
  asOfMs?: number;
  knownAtMs?: number;
}

/**
 * The events counted at a cut, with their own lanes and versions (for listings: an audit trail, the
 * awards, the movements): recorded at or before `knownAtMs`, and in effect at `asOfMs` by the
 * effective times of the events known then. A correction is kept exactly when its target is, so
 * every correction listed names an event listed.
 */
export function visibleAt(events: readonly RecordedEvent[], cut: TimeCut): RecordedEvent[] {
  const { asOfMs, knownAtMs } = cut;
  const known =
    knownAtMs === undefined ? [...events] : events.filter((event) => event.recordedAtMs <= knownAtMs);
  if (asOfMs === undefined) return known;
  const times = effectiveTimes(known);
  return known.filter((event) => (times.get(event) ?? event.recordedAtMs) <= asOfMs);
}

/**
 * The same events renumbered for a fold (each lane dense from 1, a correction's target with it),
 * as inEffectAt gives them.
 */
export function foldableAt(events: readonly RecordedEvent[], cut: TimeCut): RecordedEvent[] {
  const { knownAtMs } = cut;
  const known = knownAtMs === undefined ? events : events.filter((event) => event.recordedAtMs <= knownAtMs);
  return inEffectAt(known, cut.asOfMs ?? Number.POSITIVE_INFINITY);
}
