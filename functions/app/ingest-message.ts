import { cloudEventTraceContext } from '#observability/trace-context.ts';
import type { DeadLetter, DeadLetterSink } from '#ports/dead-letters.ts';
import { noTracing, type Tracing } from '#ports/tracing.ts';
import { type CloudEvent, cloudEventProblems, cloudEventSchema, futureTimeProblem } from './cloud-event.ts';
import { type IngestDeps, type IngestOutcome, ingestEvent } from './ingest.ts';
import { ingestEvents } from './ingest-batch.ts';
import { DOMAIN_ERROR_OUTCOMES, WRITE_OUTCOMES } from './outcomes.ts';
import { zodWording } from './zod-wording.ts';

/**
 * What the bus handlers (SQS and MSK) share: one message, already decoded to a candidate CloudEvent,
 * taken through validation and the ingest core, with every outcome sorted into one of three:
 * - it took effect, or had before (a duplicate): done;
 * - it never can (invalid, a rule fails on it, its id was used for another payload): it goes to the
 *   DLQ with its reason, and is done as far as its queue or topic is concerned;
 * - it might later (contention, throttling, the store or the DLQ unreachable): `TransientIngestError`
 *   or the original error is thrown, and the event source delivers it again. Idempotency by
 *   CloudEvent id makes the redelivery safe.
 */

/** Where the bus handlers say why a message was dead-lettered or retried; Powertools' Logger fits. */
export interface BusLog {
  warn(message: string, extra: Record<string, unknown>): void;
}

export interface BusIngestDeps {
  ingest: IngestDeps;
  deadLetters: DeadLetterSink;
  log: BusLog;
  /** Each message is ingested in a span that continues the CloudEvent's `traceparent` (a malformed one starts a new trace). */
  tracing?: Tracing;
}

/** A message that may succeed if delivered again. */
export class TransientIngestError extends Error {
  override readonly name = 'TransientIngestError';
}

export type MessageOutcome =
  | { kind: 'recorded'; eventId: string; points: bigint }
  | { kind: 'duplicate'; eventId: string }
  | { kind: 'dead-lettered'; code: string; reason: string };

/** Where a message came from, as its dead letter will say. */
export type MessageOrigin = Omit<DeadLetter, 'code' | 'reason' | 'eventId'>;

/** Validates `candidate` as a CloudEvent and ingests it (see the module comment for the outcomes). */
export async function ingestCandidate(
  deps: BusIngestDeps,
  candidate: unknown,
  origin: MessageOrigin,
): Promise<MessageOutcome> {
  const checked = await validated(deps, candidate, origin);
  if (!checked.ok) return checked.outcome;
  return ingestValid(deps, origin, checked.event);
}

/** One valid event in its own consumer span, continuing the CloudEvent's trace. */
async function ingestValid(
  deps: BusIngestDeps,
  origin: MessageOrigin,
  event: CloudEvent,
): Promise<MessageOutcome> {
  const outcome = await (deps.tracing ?? noTracing).span(
    `ingest ${event.type}`,
    {
      kind: 'consumer',
      parent: cloudEventTraceContext(event),
      attributes: {
        'cloudevents.event_id': event.id,
        'cloudevents.event_source': event.source,
        'tally.wallet_id': event.subject,
      },
    },
    () => ingestEvent(deps.ingest, event),
  );
  return messageOutcome(deps, origin, event, outcome);
}

/** An ingest outcome as the bus sees it: done, a duplicate, or a dead letter (see the module comment). */
async function messageOutcome(
  deps: BusIngestDeps,
  origin: MessageOrigin,
  event: CloudEvent,
  outcome: IngestOutcome,
): Promise<MessageOutcome> {
  switch (outcome.kind) {
    case 'recorded':
      return { kind: 'recorded', eventId: event.id, points: outcome.points };
    case 'replayed':
      return { kind: 'duplicate', eventId: event.id };
    case 'rejected':
      return deadLetter(deps, origin, {
        code: DOMAIN_ERROR_OUTCOMES[outcome.error.code].code,
        reason: outcome.error.detail,
        eventId: event.id,
      });
    case 'key-reused':
      return deadLetter(deps, origin, {
        code: WRITE_OUTCOMES['key-reused'].queueCode,
        reason: `id ${event.id} was already used for another event; nothing was changed`,
        eventId: event.id,
      });
    case 'contended':
      throw new TransientIngestError(
        `event ${event.id}: other writers kept winning the race for wallet ${event.subject}; delivered again later`,
      );
  }
}

/** A candidate that is a valid CloudEvent, or the dead letter it became. */
async function validated(
  deps: BusIngestDeps,
  candidate: unknown,
  origin: MessageOrigin,
): Promise<{ ok: true; event: CloudEvent } | { ok: false; outcome: MessageOutcome }> {
  const parsed = cloudEventSchema.safeParse(candidate, { error: zodWording });
  if (!parsed.success) {
    const outcome = await deadLetter(deps, origin, {
      code: 'invalid-event',
      reason: cloudEventProblems(parsed.error).join('; '),
      ...idOf(candidate),
    });
    return { ok: false, outcome };
  }
  const event = parsed.data;
  const tooLate = futureTimeProblem(event, deps.ingest.clock.nowMs());
  if (tooLate !== undefined) {
    const outcome = await deadLetter(deps, origin, {
      code: 'invalid-event',
      reason: tooLate,
      eventId: event.id,
    });
    return { ok: false, outcome };
  }
  return { ok: true, event };
}

/** What one candidate of a batch came to: an outcome, or the error that has it delivered again. */
export type CandidateSettled = { ok: true; outcome: MessageOutcome } | { ok: false; error: unknown };

/**
 * The candidates of a whole batch (every event of every message): each validated as
 * ingestCandidate does, then the valid ones ingested together (ingest-batch.ts: as few
 * transactions as fit, a group that fails taken event by event). One result per candidate, in
 * order; an error is that candidate's alone. The events carry their CloudEvent's trace context;
 * the batch is one span.
 */
export async function ingestCandidates(
  deps: BusIngestDeps,
  candidates: readonly { candidate: unknown; origin: MessageOrigin }[],
): Promise<CandidateSettled[]> {
  const results: CandidateSettled[] = new Array(candidates.length);
  const valid: { at: number; event: CloudEvent; origin: MessageOrigin }[] = [];
  for (const [at, { candidate, origin }] of candidates.entries()) {
    try {
      const checked = await validated(deps, candidate, origin);
      if (checked.ok) valid.push({ at, event: checked.event, origin });
      else results[at] = { ok: true, outcome: checked.outcome };
    } catch (error) {
      results[at] = { ok: false, error };
    }
  }
  if (valid.length === 1) {
    // One event: its own span, as a message alone (nothing to batch).
    const [{ at, event, origin }] = valid as [(typeof valid)[number]];
    try {
      results[at] = { ok: true, outcome: await ingestValid(deps, origin, event) };
    } catch (error) {
      results[at] = { ok: false, error };
    }
    return results;
  }
  const settled = await (deps.tracing ?? noTracing).span(
    'ingest batch',
    { kind: 'consumer', attributes: { 'tally.events': valid.length } },
    () =>
      ingestEvents(
        deps.ingest,
        valid.map(({ event }) => {
          const trace = cloudEventTraceContext(event);
          return { event, ...(trace ? { trace } : {}) };
        }),
      ),
  );
  for (const [index, { at, event, origin }] of valid.entries()) {
    const one = settled[index];
    if (one === undefined || !one.ok) {
      results[at] = { ok: false, error: one?.error ?? new Error('ingestCandidates: no result') };
      continue;
    }
    try {
      results[at] = { ok: true, outcome: await messageOutcome(deps, origin, event, one.outcome) };
    } catch (error) {
      results[at] = { ok: false, error };
    }
  }
  return results;
}

/** Files a dead letter and logs why. A failure to file it throws, so the message is retried instead. */
export async function deadLetter(
  deps: BusIngestDeps,
  origin: MessageOrigin,
  problem: { code: string; reason: string; eventId?: string },
): Promise<MessageOutcome> {
  deps.log.warn('Message sent to the DLQ: it can never take effect', {
    code: problem.code,
    reason: problem.reason,
    origin: origin.origin,
    originId: origin.originId,
    ...(problem.eventId === undefined ? {} : { eventId: problem.eventId }),
  });
  await deps.deadLetters.send({ ...origin, ...problem });
  return { kind: 'dead-lettered', code: problem.code, reason: problem.reason };
}

/** The id of something that failed validation, when it has a usable one: it helps find the sender. */
function idOf(candidate: unknown): { eventId?: string } {
  if (typeof candidate !== 'object' || candidate === null || !('id' in candidate)) return {};
  const id = (candidate as { id: unknown }).id;
  return typeof id === 'string' && id !== '' ? { eventId: id.slice(0, 255) } : {};
}
