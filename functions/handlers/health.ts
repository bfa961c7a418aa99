import { stores } from '#composition/lambda.ts';
import { httpHandler, httpRoute } from '#http/handler.ts';
import { HttpProblem, jsonResult } from '#http/problem.ts';
import { logger } from '#observability/powertools.ts';
import type { EventStore } from '#ports/event-store.ts';

/** `GET /health` (public): 200 when the event store answers, 503 when it does not. */
export const makeHealthHandler = (store: () => EventStore) =>
  httpRoute({
    // Built inside the try: a store that cannot even be built is unreachable too.
    deps: () => store,
    run: async (_request, events) => {
      try {
        await events().ping();
      } catch (error) {
        logger.warn('Event store unreachable', { error: error as Error });
        throw new HttpProblem({
          status: 503,
          code: 'store-unreachable',
          title: 'Service unavailable',
          detail: 'The event store did not answer.',
        });
      }
      return jsonResult(200, '{"status":"ok"}');
    },
  });

export const handler = httpHandler(makeHealthHandler(() => stores().events));
