import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger, metrics } from './powertools.ts';

export interface ObservedOptions {
  /** Flush the metrics the handler recorded after each invocation (EMF in the log). */
  metrics?: boolean;
}

/**
 * The Powertools chain every Lambda entry runs in, whatever its trigger: the logger gets the
 * invocation's context (request id, cold start), and metrics are flushed once per invocation.
 * HTTP handlers add problem mapping on top (functions/http/handler.ts).
 */
export function observed<E, R>(
  handler: (event: E, context: Context) => Promise<R>,
  options: ObservedOptions = {},
) {
  const chain = middy(handler).use(injectLambdaContext(logger));
  return options.metrics === true ? chain.use(logMetrics(metrics)) : chain;
}
