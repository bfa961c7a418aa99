import { useEffect, useRef } from 'preact/hooks';
import { errorText } from '../../api.ts';
import { formatMoney, formatPoints, formatTime } from '../../format.ts';
import { useVirtualRows } from '../../virtual.ts';
import type { AuditTrail } from './audit-trail.ts';
import { type AuditEvent, eventKey } from './types.ts';

const ROW_HEIGHT = 52;
/** The list scrolls inside this height; a short wallet's list is as tall as its rows. */
const TIMELINE_HEIGHT_MAX = 520;

type Data = Record<string, unknown>;
const text = (value: unknown) => (value === undefined || value === null ? '' : String(value));

/** What a row says about an event: its kind, its amount, and what explains it. */
export function describe(event: AuditEvent): { kind: string; amount: string; details: string } {
  const data = event.data as Data;
  switch (event.type) {
    case 'Deposited':
      return {
        kind: 'Deposit',
        amount: `+${formatMoney(text(data.amount))}`,
        details: `at ${formatTime(text(data.time))}`,
      };
    case 'FactRecorded':
      return {
        kind: 'Fact',
        amount: '',
        details: `${text(data.factType)} from ${text(data.source)} (${text(data.factId)}) at ${formatTime(text(data.time))}`,
      };
    case 'PointsAwarded':
      return {
        kind: 'Award',
        amount: `+${formatPoints(Number(data.points))} pts`,
        details: `rule ${text(data.ruleId)} · rule set v${text(data.ruleSetVersion)} · for fact ${text(data.factId)}`,
      };
    case 'PointsAdjusted': {
      const points = Number(data.points);
      return {
        kind: 'Adjustment',
        amount: `${points >= 0 ? '+' : ''}${formatPoints(points)} pts`,
        details: `rule ${text(data.ruleId)} · rule set v${text(data.ruleSetVersion)} · ${text(data.cause)} ${text(data.causeId)}`,
      };
    }
    case 'EventCorrected': {
      const target = data.target as { lane?: number; version?: number } | undefined;
      const amended = data.deposit as { amount?: string } | undefined;
      return {
        kind: `Correction (${text(data.action)})`,
        amount: amended?.amount === undefined ? '' : `→ ${formatMoney(amended.amount)}`,
        details: `${text(data.action)} of lane ${text(target?.lane)} #${text(target?.version)}: ${text(data.reason)}`,
      };
    }
    case 'RulesApplied':
      return {
        kind: 'Rules applied',
        amount: '',
        details: `rule set v${text(data.ruleSetVersion)} (${text(data.causeId)})`,
      };
    default: {
      const amount = data.amount === undefined ? '' : `${text(data.amount)} ${text(data.asset)}`;
      return { kind: event.type, amount, details: JSON.stringify(data).slice(0, 160) };
    }
  }
}

export interface TimelineProps {
  trail: AuditTrail;
  /** Total events of the wallet (its version), to say how much is loaded. */
  total: number;
  /** Events recorded after this are hidden (the known-at moment). */
  knownAtMs: number | undefined;
  highlight: string | undefined;
  /** Scrolls to `highlight` when this changes. */
  revealRequest: number;
  canCorrect: boolean;
  onCorrect: (event: AuditEvent) => void;
  onReveal: (key: string) => void;
}

/** Every event of the wallet, virtualized: only the rows in view exist in the DOM. */
export function Timeline(props: TimelineProps) {
  const { trail, total, knownAtMs, highlight } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const events =
    knownAtMs === undefined
      ? trail.events
      : trail.events.filter((event) => Date.parse(event.recordedAt) <= knownAtMs);
  const rows = useVirtualRows(scroller, events.length, ROW_HEIGHT);
  const byId = new Map(trail.events.map((event) => [event.eventId, event]));

  // Near the end of what is loaded: read the next page.
  const lastShown = rows.items.at(-1)?.index ?? 0;
  useEffect(() => {
    if (trail.hasMore && !trail.loading && lastShown >= events.length - 20) void trail.loadMore();
  }, [lastShown, events.length, trail]);

  // Scrolls only when a reveal is asked for (revealRequest), not whenever the list redraws.
  useEffect(() => {
    if (highlight === undefined) return;
    const index = events.findIndex((event) => eventKey(event) === highlight);
    if (index !== -1) rows.scrollToIndex(index);
  }, [props.revealRequest]);

  return (
    <section aria-labelledby="timeline-title" class="panel">
      <h2 id="timeline-title">Events</h2>
      <p class="hint" aria-live="polite" data-testid="timeline-count">
        {events.length.toLocaleString('en-US')} of {total.toLocaleString('en-US')} events loaded
        {trail.loading ? ' (reading…)' : ''}. Lane order, oldest first; scroll for more.
      </p>
      {trail.error !== undefined && (
        <p class="error" role="alert">
          {errorText(trail.error)}
        </p>
      )}
      <div class="timeline-head" aria-hidden="true">
        <span>Event</span>
        <span>Recorded</span>
        <span>Kind</span>
        <span>Amount</span>
        <span>Details</span>
        <span />
      </div>
      <div
        ref={scroller}
        class="timeline"
        data-testid="timeline"
        style={{ height: `${Math.min(TIMELINE_HEIGHT_MAX, Math.max(ROW_HEIGHT * 2, rows.totalSize))}px` }}
      >
        <ul class="timeline-list" style={{ height: `${rows.totalSize}px` }} aria-label="Events of the wallet">
          {rows.items.map((row) => {
            const event = events[row.index];
            if (event === undefined) return null;
            const key = eventKey(event);
            const described = describe(event);
            const corrections = (event.correctedBy ?? []).map((id) => byId.get(id));
            const target = (event.data as Data).target as { lane: number; version: number } | undefined;
            const correctable =
              props.canCorrect &&
              (event.type === 'Deposited' || event.type === 'FactRecorded') &&
              corrections.every((correction) => (correction?.data as Data | undefined)?.action !== 'void');
            return (
              <li
                key={key}
                class={`event-row${highlight === key ? ' highlight' : ''}${event.correctedBy ? ' corrected' : ''}`}
                style={{ top: `${row.start}px`, height: `${ROW_HEIGHT}px` }}
                data-event-id={event.eventId}
                data-type={event.type}
                data-key={key}
              >
                <span class="mono">
                  {event.lane}:{event.version}
                </span>
                <span>{formatTime(event.recordedAt)}</span>
                <span class="kind">{described.kind}</span>
                <span class="amount">{described.amount}</span>
                <span class="details">
                  <span class="details-text" title={described.details}>
                    {described.details}
                  </span>
                  {target !== undefined && event.type === 'EventCorrected' && (
                    <>
                      {' '}
                      <button type="button" class="link" onClick={() => props.onReveal(eventKey(target))}>
                        show corrected event
                      </button>
                    </>
                  )}
                  {event.correctedBy?.map((id) => {
                    const correction = byId.get(id);
                    return (
                      <span key={id} class="corrected-by">
                        {' '}
                        {correction === undefined ? (
                          `corrected by ${id}`
                        ) : (
                          <button
                            type="button"
                            class="link"
                            onClick={() => props.onReveal(eventKey(correction))}
                          >
                            {text((correction.data as Data).action) === 'void' ? 'voided' : 'amended'} by{' '}
                            {correction.lane}:{correction.version}
                          </button>
                        )}
                      </span>
                    );
                  })}
                </span>
                <span>
                  {correctable && (
                    <button type="button" class="small" onClick={() => props.onCorrect(event)}>
                      Correct…
                    </button>
                  )}
                </span>
              </li>
            );
          })}
        </ul>
      </div>
    </section>
  );
}
