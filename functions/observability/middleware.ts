import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { installLambdaTracing } from './lambda-tracing.ts';
import { logger } from './powertools.ts';
import { installLazySourceMaps } from './source-maps.ts';
import { headerTraceContext } from './trace-context.ts';
import { tracing } from './tracing.ts';

// A deployed bundle maps its stack traces to the TypeScript sources, reading the maps only when a
// stack is written (source-maps.ts); under tsx or vitest this does nothing.
installLazySourceMaps(import.meta.url);

export interface ObservedOptions {
  /**
   * The middleware that flushes this function's metrics after each invocation (EMF in the log):
   * `flushMetrics` of metrics.ts. Handed in, not a flag: a function that records none then bundles
   * no Powertools Metrics, not even its middleware.
   */
  metrics?: MiddlewareObj;
}

/**
 * The Powertools chain every Lambda entry runs in, whatever its trigger: the logger gets the
 * invocation's context (request id, cold start), metrics are flushed once per invocation, and an
 * HTTP request runs in a span named by its route (its trace continues a `traceparent` header).
 * HTTP handlers add problem mapping on top (functions/http/handler.ts).
 */
export function observed<E, R>(
  handler: (event: E, context: Context) => Promise<R>,
  options: ObservedOptions = {},
) {
  const chain = middy(inRequestSpan(handler))
    .use({ before: async () => void (await installLambdaTracing()) })
    .use(injectLambdaContext(logger));
  return options.metrics === undefined ? chain : chain.use(options.metrics);
}

interface HttpApiEvent {
  routeKey: string;
  rawPath?: string;
  headers?: Record<string, string | undefined>;
  requestContext: { http: { method: string } };
}

const isHttpApiEvent = (event: unknown): event is HttpApiEvent =>
  typeof event === 'object' &&
  event !== null &&
  typeof (event as { routeKey?: unknown }).routeKey === 'string' &&
  typeof (event as { requestContext?: { http?: { method?: unknown } } }).requestContext?.http?.method ===
    'string';

/**
 * HTTP requests get a server span (`POST /deposit`). Queue and stream batches get none here: each
 * message or stored event continues its own trace further in (ingest, projection, publication).
 */
function inRequestSpan<E, R>(handler: (event: E, context: Context) => Promise<R>) {
  return (event: E, context: Context): Promise<R> => {
    if (!isHttpApiEvent(event)) return handler(event, context);
    return tracing().span(
      event.routeKey,
      {
        kind: 'server',
        parent: headerTraceContext(event.headers),
        attributes: {
          'http.request.method': event.requestContext.http.method,
          'http.route': event.routeKey.split(' ').slice(1).join(' '),
          'url.path': event.rawPath,
          'faas.name': context.functionName,
        },
      },
      () => handler(event, context),
    );
  };
}
