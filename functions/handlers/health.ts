import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { storesFromEnv } from '#adapters/dynamodb/stores.ts';
import { problemErrors } from '#http/middleware.ts';
import { logger } from '#http/observability.ts';
import { HttpProblem, type HttpResult, jsonResult } from '#http/problem.ts';
import type { EventStore } from '#ports/event-store.ts';

export function makeHealthHandler(store: () => EventStore) {
  return async (_event: APIGatewayProxyEventV2): Promise<HttpResult> => {
    try {
      await store().ping();
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
  };
}

export const handler = middy(makeHealthHandler(() => storesFromEnv().events)).use(problemErrors(logger));
