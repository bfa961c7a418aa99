import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { canonicalJson } from '#adapters/dynamodb/event-hash.ts';
import {
  eventsQueueFromEnv,
  type QueuedEvent,
  type SendOutcome,
  toMessageBody,
} from '#adapters/sqs/events-queue.ts';
import {
  type CloudEvent,
  cloudEventProblems,
  cloudEventSchema,
  DEPOSIT_EVENT_TYPE,
} from '#app/cloud-event.ts';
import { isDomainError } from '#domain/errors.ts';
import { parseAmountMinor } from '#domain/money.ts';
import { problemErrors } from '#http/middleware.ts';
import { logger, metrics } from '#http/observability.ts';
import { badRequest, HttpProblem, type HttpResult, jsonResult } from '#http/problem.ts';
import { parseJsonBody } from '#http/request.ts';

/** One request carries at most this many events (then 400). */
export const EVENTS_PER_REQUEST_MAX = 100;

/** The problem lists this many reasons in its `detail`; `errors` has all of them. */
const DETAIL_REASONS_MAX = 5;

export interface EventsDeps {
  queue: { send(events: readonly QueuedEvent[]): Promise<SendOutcome> };
  log: { warn(message: string, extra: Record<string, unknown>): void };
}

interface EventError {
  index: number;
  pointer: string;
  detail: string;
}

/**
 * What makes two events with one id "the same": the fields ingest hashes for idempotency
 * (functions/app/ingest.ts), so this check at the door agrees with the one behind the queue.
 */
const payloadOf = (event: CloudEvent): string =>
  canonicalJson({
    source: event.source,
    type: event.type,
    subject: event.subject,
    time: event.time ?? null,
    data: event.data ?? null,
  });

/**
 * Checks one event as far as it can be checked without the store: the CloudEvent envelope, and for
 * the native `wallet.deposit` type its amount. Rules run behind the queue (a rule that fails there
 * sends the event to the DLQ).
 */
function validate(
  item: unknown,
  index: number,
  prefix: string,
): { event?: CloudEvent; errors: EventError[] } {
  const parsed = cloudEventSchema.safeParse(item);
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
  if (event.type === DEPOSIT_EVENT_TYPE) {
    const data = event.data;
    const amount = typeof data === 'object' && data !== null && 'amount' in data ? data.amount : undefined;
    try {
      parseAmountMinor(amount);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      return {
        errors: [{ index, pointer: `#/${prefix}data/amount`, detail: `data.amount: ${error.detail}` }],
      };
    }
  }
  return { event, errors: [] };
}

/**
 * `POST /events`: one CloudEvent (structured JSON) or an array of 1–100. Every event is validated
 * first; if any is invalid the answer is 400 with a reason per event and nothing is queued. Then
 * they go onto the events queue, and ingest applies each exactly once per id: 202 says they are
 * queued, not yet applied. An id twice in one request is sent once if both payloads agree, and is
 * refused (422) if they differ, as ingest would refuse the second.
 */
export function makeEventsHandler(deps: () => EventsDeps) {
  return async (request: APIGatewayProxyEventV2): Promise<HttpResult> => {
    const body = parseJsonBody(request);
    const batch = Array.isArray(body);
    const items: unknown[] = batch ? body : [body];
    if (batch && (items.length === 0 || items.length > EVENTS_PER_REQUEST_MAX)) {
      throw badRequest(
        'invalid-batch',
        `An array of events must hold 1 to ${EVENTS_PER_REQUEST_MAX} events; this one holds ${items.length}.`,
      );
    }

    const events: CloudEvent[] = [];
    const errors: EventError[] = [];
    items.forEach((item, index) => {
      const checked = validate(item, index, batch ? `${index}/` : '');
      errors.push(...checked.errors);
      if (checked.event) events.push(checked.event);
    });
    if (errors.length > 0) {
      const reasons = errors.map((error) => (batch ? `[${error.index}] ${error.detail}` : error.detail));
      const more =
        reasons.length > DETAIL_REASONS_MAX ? ` (and ${reasons.length - DETAIL_REASONS_MAX} more)` : '';
      throw badRequest(
        'invalid-events',
        `Nothing was accepted: ${reasons.slice(0, DETAIL_REASONS_MAX).join('; ')}${more}.`,
        { errors },
      );
    }

    // One message per id; the same id with another payload in one request is a client error.
    const byId = new Map<string, { event: CloudEvent; index: number; payload: string }>();
    const queued: QueuedEvent[] = [];
    for (const [index, event] of events.entries()) {
      const payload = payloadOf(event);
      const first = byId.get(event.id);
      if (first === undefined) {
        byId.set(event.id, { event, index, payload });
        queued.push({ id: event.id, subject: event.subject, body: toMessageBody(items[index]) });
      } else if (first.payload !== payload) {
        throw new HttpProblem({
          status: 422,
          code: 'event-id-reused',
          title: 'Event id reused',
          detail: `Events [${first.index}] and [${index}] share the id ${event.id} but differ; an id names one event. Nothing was accepted.`,
        });
      }
    }

    const { queue, log } = deps();
    const outcome = await queue.send(queued);
    if (outcome.failed.length > 0) {
      log.warn('Events not queued after retries', { sent: outcome.sent.length, failed: outcome.failed });
      throw new HttpProblem({
        status: 503,
        code: 'events-not-queued',
        title: 'Service unavailable',
        detail:
          `${outcome.failed.length} of ${queued.length} events could not be queued; the others were. ` +
          'Send the request again: events already queued take effect once however often they are sent.',
        extensions: {
          queued: outcome.sent,
          failed: outcome.failed.map((failure) => ({ id: failure.id, code: failure.code })),
        },
        headers: { 'retry-after': '1' },
      });
    }
    metrics.addMetric('EventsQueued', MetricUnit.Count, queued.length);
    const duplicates = items.length - queued.length;
    return jsonResult(
      202,
      JSON.stringify({
        accepted: queued.length,
        ids: queued.map((event) => event.id),
        // Repeats of an event within the request, sent once.
        ...(duplicates > 0 ? { duplicates } : {}),
      }),
    );
  };
}

export const handler = middy(makeEventsHandler(() => ({ queue: eventsQueueFromEnv(), log: logger })))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(problemErrors(logger));
