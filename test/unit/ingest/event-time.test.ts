import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import { describe, expect, it } from 'vitest';
import { EVENT_TIME_FUTURE_MAX_MS } from '#app/cloud-event.ts';
import { ingestCandidate } from '#app/ingest-message.ts';
import { makeEventsHandler } from '#handlers/events.ts';
import type { QueuedEvent } from '#http/cloud-events.ts';
import { problemErrors } from '#http/middleware.ts';
import { httpEvent, lambdaContext, problemOf } from '../../support/http.ts';
import { busHarness, cloudEvent, T0 } from './helpers.ts';

/** Issue 15 §9 / issue 10 §4.7: an event time more than 5 minutes ahead of the receiving clock is refused. */

const logger = new Logger({ serviceName: 'tally-test', logLevel: 'SILENT' });
const at = (ms: number) => new Date(ms).toISOString();
const JUST_INSIDE = at(T0 + EVENT_TIME_FUTURE_MAX_MS);
const JUST_OUTSIDE = at(T0 + EVENT_TIME_FUTURE_MAX_MS + 1_000);

function eventsApi() {
  const sent: QueuedEvent[][] = [];
  const handler = middy(
    makeEventsHandler(() => ({
      queue: {
        send: async (events: readonly QueuedEvent[]) => {
          sent.push([...events]);
          return { sent: events.map((event) => event.id), failed: [] };
        },
      },
      log: { warn: () => undefined },
      clock: { nowMs: () => T0 },
    })),
  ).use(problemErrors(logger));
  const post = (body: unknown) =>
    handler(httpEvent({ method: 'POST', path: '/events', body: JSON.stringify(body) }), lambdaContext);
  return { post, sent };
}

describe('POST /events: event time', () => {
  it.each([['2099-01-01T00:00:00Z'], ['9999-12-31T23:59:59Z'], [JUST_OUTSIDE]])(
    'answers 400 for the time %s and queues nothing',
    async (time) => {
      const api = eventsApi();
      const response = await api.post(cloudEvent({ time }));
      expect(response.statusCode).toBe(400);
      const problem = problemOf(response);
      expect(problem.errors).toEqual([
        { index: 0, pointer: '#/time', detail: expect.stringContaining('more than 5 minutes ahead') },
      ]);
      expect(api.sent).toEqual([]);
    },
  );

  it('names the element of a batch whose time is in the future, and queues none of the batch', async () => {
    const api = eventsApi();
    const response = await api.post([
      cloudEvent({ id: 'ok' }),
      cloudEvent({ id: 'late', time: '2099-01-01T00:00:00Z' }),
    ]);
    expect(response.statusCode).toBe(400);
    expect(problemOf(response).errors).toEqual([expect.objectContaining({ index: 1, pointer: '#/1/time' })]);
    expect(api.sent).toEqual([]);
  });

  it.each([[JUST_INSIDE], [at(T0)], ['1970-01-01T00:00:00Z']])('accepts the time %s', async (time) => {
    const api = eventsApi();
    expect((await api.post(cloudEvent({ time }))).statusCode).toBe(202);
  });
});

describe('events from a bus: event time', () => {
  const origin = { body: '{}', origin: 'sqs', originId: 'm-1' } as const;

  it('dead-letters an event from the future as invalid-event, storing nothing', async () => {
    const bus = busHarness();
    const outcome = await ingestCandidate(bus.deps, cloudEvent({ time: '9999-12-31T23:59:59Z' }), origin);
    expect(outcome).toEqual({
      kind: 'dead-lettered',
      code: 'invalid-event',
      reason: expect.stringContaining('more than 5 minutes ahead'),
    });
    expect(bus.deadLetters.letters).toEqual([
      expect.objectContaining({ code: 'invalid-event', eventId: 'ce-1' }),
    ]);
    expect(bus.store.eventCount()).toBe(0);
  });

  it('ingests an event 5 minutes ahead (clock skew)', async () => {
    const bus = busHarness();
    const outcome = await ingestCandidate(bus.deps, cloudEvent({ time: JUST_INSIDE }), origin);
    expect(outcome.kind).toBe('recorded');
  });
});
