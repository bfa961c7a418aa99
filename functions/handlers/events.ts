import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { eventFormats, eventsDeps } from '#composition/queued.ts';
import { cloudEventsBody } from '#http/cloud-event-modes.ts';
import {
  type EventFormats,
  eventSubjects,
  eventsToQueue,
  notQueued,
  type QueuedEvent,
} from '#http/cloud-events.ts';
import { httpHandler, httpRoute } from '#http/handler.ts';
import { jsonResult } from '#http/problem.ts';
import { flushMetrics, metrics } from '#observability/metrics.ts';
import type { Clock } from '#ports/clock.ts';

export { EVENTS_PER_REQUEST_MAX } from '#http/cloud-events.ts';

export interface EventsDeps {
  queue: {
    send(events: readonly QueuedEvent[]): Promise<{ sent: string[]; failed: { id: string; code: string }[] }>;
  };
  log: { warn(message: string, extra: Record<string, unknown>): void };
  /** What an event's `time` is checked against (more than 5 minutes ahead is refused). */
  clock: Clock;
}

/**
 * `POST /events`: CloudEvents in any HTTP mode (binary, structured, batch, or plain JSON: one event
 * or an array of 1–100; functions/http/cloud-event-modes.ts), validated at the door
 * (functions/http/cloud-events.ts), then put on the events queue; ingest applies each exactly once
 * per id. 202 says they are queued, not yet applied.
 */
export const makeEventsHandler = (deps: () => EventsDeps, formats: EventFormats = eventFormats) =>
  httpRoute({
    wallets: (request) => eventSubjects(cloudEventsBody(request)),
    deps,
    run: async (request, { queue, log, clock }) => {
      const { queued, received, results } = eventsToQueue(cloudEventsBody(request), formats, clock.nowMs());
      const outcome = await queue.send(queued);
      if (outcome.failed.length > 0) {
        log.warn('Events not queued after retries', { sent: outcome.sent.length, failed: outcome.failed });
        throw notQueued(outcome, queued.length);
      }
      metrics.addMetric('EventsQueued', MetricUnit.Count, queued.length);
      const duplicates = received - queued.length;
      // Repeats of an event within the request are sent once, and counted.
      const body = { accepted: queued.length, ids: queued.map((event) => event.id) };
      return jsonResult(202, JSON.stringify({ ...body, ...(duplicates > 0 ? { duplicates } : {}), results }));
    },
  });

export const handler = httpHandler(makeEventsHandler(eventsDeps), { metrics: flushMetrics });
