import {
  type CloudEvent,
  cloudEventProblems,
  cloudEventSchema,
  DEPOSIT_EVENT_TYPE,
  futureTimeProblem,
} from '#app/cloud-event.ts';
import { zodWording } from '#app/zod-wording.ts';
import { isDomainError } from '#domain/errors.ts';
import { parseAmountMinor } from '#domain/money.ts';
import { badRequest, HttpProblem } from './problem.ts';
import { problem } from './problems.ts';
import { jsonDepthExceeds } from './request.ts';

/** One request carries at most this many events (then 400). */
export const EVENTS_PER_REQUEST_MAX = 100;

/** An event's `data` may nest arrays and objects this deep, and take this many bytes as JSON. */
export const EVENT_DATA_DEPTH_MAX = 32;
export const EVENT_DATA_BYTES_MAX = 32 * 1024;

/** The problem lists this many reasons in its `detail`; `errors` has all of them. */
const DETAIL_REASONS_MAX = 5;

interface EventError {
  index: number;
  pointer: string;
  detail: string;
}

/** What became of each event of a request, in order: queued, or the same event again within it. */
export interface EventResult {
  index: number;
  id: string;
  status: 'queued' | 'duplicate';
}

/** One CloudEvent to queue: its id, wallet, and the message body. */
export interface QueuedEvent {
  id: string;
  subject: string;
  body: string;
}

export interface EventFormats {
  /** The canonical JSON ingest hashes for idempotency, so the door agrees with ingest on "the same". */
  canonicalJson: (value: unknown) => string;
  /** The queue message body for one event as it arrived. */
  messageBody: (event: unknown) => string;
}

/** The items of a `POST /events` body: one event, or an array of 1–100. */
export function eventItems(body: unknown): { items: unknown[]; batch: boolean } {
  const batch = Array.isArray(body);
  const items: unknown[] = batch ? body : [body];
  if (batch && (items.length === 0 || items.length > EVENTS_PER_REQUEST_MAX)) {
    throw badRequest(
      'invalid-batch',
      `An array of events must hold 1 to ${EVENTS_PER_REQUEST_MAX} events; this one holds ${items.length}.`,
    );
  }
  return { items, batch };
}

/** The wallets the events name (their subjects), as far as they can be read before validation. */
export const eventSubjects = (body: unknown): string[] =>
  eventItems(body).items.flatMap((item) => {
    const subject =
      typeof item === 'object' && item !== null ? (item as { subject?: unknown }).subject : undefined;
    return typeof subject === 'string' ? [subject] : [];
  });

/** A reason as a clause of a longer sentence: no full stop of its own. */
const clause = (text: string): string => text.trim().replace(/\.+$/, '');

/** Bounds `data` first, iteratively: hashing and queueing a hostile structure must not fail with a 500. */
function dataProblem(item: unknown): string | undefined {
  if (typeof item !== 'object' || item === null || !('data' in item)) return undefined;
  const text = JSON.stringify(item.data) ?? 'null';
  if (Buffer.byteLength(text, 'utf8') > EVENT_DATA_BYTES_MAX) {
    return `data: must be at most ${EVENT_DATA_BYTES_MAX} bytes as JSON`;
  }
  if (jsonDepthExceeds(text, EVENT_DATA_DEPTH_MAX)) {
    return `data: must not nest arrays and objects more than ${EVENT_DATA_DEPTH_MAX} levels deep`;
  }
  return undefined;
}

/**
 * Checks one event as far as it can be checked without the store: the size and depth of its
 * data, the CloudEvent envelope, and for the native `wallet.deposit` type its amount. Rules run
 * behind the queue (a rule that fails there sends the event to the DLQ).
 */
function validate(
  item: unknown,
  index: number,
  prefix: string,
  nowMs: number,
): { event?: CloudEvent; errors: EventError[] } {
  const tooBig = dataProblem(item);
  if (tooBig !== undefined) return { errors: [{ index, pointer: `#/${prefix}data`, detail: tooBig }] };
  const parsed = cloudEventSchema.safeParse(item, { error: zodWording });
  if (!parsed.success) {
    const reasons = cloudEventProblems(parsed.error);
    return {
      errors: parsed.error.issues.map((issue, at) => ({
        index,
        pointer: `#/${[...prefix.split('/').filter(Boolean), ...issue.path.map(String)].join('/')}`,
        detail: reasons[at] ?? issue.message,
      })),
    };
  }
  const event = parsed.data;
  const tooLate = futureTimeProblem(event, nowMs);
  if (tooLate !== undefined) return { errors: [{ index, pointer: `#/${prefix}time`, detail: tooLate }] };
  if (event.type === DEPOSIT_EVENT_TYPE) {
    const data = event.data;
    const amount = typeof data === 'object' && data !== null && 'amount' in data ? data.amount : undefined;
    try {
      parseAmountMinor(amount);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      return {
        // The domain says "Amount must be …": named once, as the field, not "data.amount: Amount …".
        errors: [
          {
            index,
            pointer: `#/${prefix}data/amount`,
            detail: `data.amount: ${clause(error.detail.replace(/^Amount /, ''))}`,
          },
        ],
      };
    }
  }
  return { event, errors: [] };
}

/**
 * Every event validated first; if any is invalid, 400 with a reason per event and nothing is
 * queued. One message per id: an id twice with the same payload is sent once, with another
 * payload it is refused (422), as ingest would refuse the second.
 */
export function eventsToQueue(
  body: unknown,
  formats: EventFormats,
  nowMs: number,
): { queued: QueuedEvent[]; received: number; results: EventResult[] } {
  const { items, batch } = eventItems(body);
  const events: { event: CloudEvent; index: number }[] = [];
  const errors: EventError[] = [];
  items.forEach((item, index) => {
    const checked = validate(item, index, batch ? `${index}/` : '', nowMs);
    errors.push(...checked.errors);
    if (checked.event) events.push({ event: checked.event, index });
  });
  if (errors.length > 0) {
    // Each reason once, as a clause: the detail ends with one period, never "..".
    const reasons = [
      ...new Set(errors.map((error) => clause(batch ? `[${error.index}] ${error.detail}` : error.detail))),
    ];
    const more =
      reasons.length > DETAIL_REASONS_MAX ? ` (and ${reasons.length - DETAIL_REASONS_MAX} more)` : '';
    throw badRequest(
      'invalid-events',
      `Nothing was accepted: ${reasons.slice(0, DETAIL_REASONS_MAX).join('; ')}${more}.`,
      { errors },
    );
  }
  // What makes two events with one id "the same": the fields ingest hashes (functions/app/ingest.ts).
  const payloadOf = (event: CloudEvent) =>
    formats.canonicalJson({
      source: event.source,
      type: event.type,
      subject: event.subject,
      time: event.time ?? null,
      data: event.data ?? null,
    });
  const byId = new Map<string, { index: number; payload: string }>();
  const queued: QueuedEvent[] = [];
  const results: EventResult[] = [];
  for (const { event, index } of events) {
    const payload = payloadOf(event);
    const first = byId.get(event.id);
    if (first === undefined) {
      byId.set(event.id, { index, payload });
      queued.push({ id: event.id, subject: event.subject, body: formats.messageBody(items[index]) });
      results.push({ index, id: event.id, status: 'queued' });
    } else if (first.payload === payload) {
      results.push({ index, id: event.id, status: 'duplicate' });
    } else {
      throw problem(
        'event-id-reused',
        `Events [${first.index}] and [${index}] share the id ${event.id} but differ; an id names one event. Nothing was accepted.`,
      );
    }
  }
  return { queued, received: items.length, results };
}

/** 503 when some events could not be queued: which were, which were not, and that a resend is safe. */
export function notQueued(
  outcome: { sent: string[]; failed: { id: string; code: string }[] },
  queuedCount: number,
): HttpProblem {
  return new HttpProblem({
    status: 503,
    code: 'events-not-queued',
    title: 'Service unavailable',
    detail:
      `${outcome.failed.length} of ${queuedCount} events could not be queued; the others were. ` +
      'Send the request again: events already queued take effect once however often they are sent.',
    extensions: {
      queued: outcome.sent,
      failed: outcome.failed.map((failure) => ({ id: failure.id, code: failure.code })),
    },
    headers: { 'retry-after': '1' },
  });
}
