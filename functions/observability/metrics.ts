import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { logger } from './powertools.ts';

/**
 * One metrics buffer per function instance. A module of its own, imported only by the functions
 * that record metrics (deposit, events, ingest, the projector, the publisher); `observed` flushes
 * it when handed it. Powertools Metrics declares no `sideEffects: false`, so any import of it
 * stays in a bundle: the other functions must not import this module (about 12 KB minified).
 */
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Tally',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'tally',
  // Metrics warns on every invocation that recorded none (a 4xx, a replay, a projector batch with
  // nothing new): normal here, so that goes to debug. Errors stay errors.
  logger: {
    debug: (...args: unknown[]) => logger.debug(String(args[0]), { details: args.slice(1) }),
    info: (...args: unknown[]) => logger.info(String(args[0]), { details: args.slice(1) }),
    warn: (...args: unknown[]) => logger.debug(String(args[0]), { details: args.slice(1) }),
    error: (...args: unknown[]) => logger.error(String(args[0]), { details: args.slice(1) }),
  },
});

/** Flushes `metrics` after each invocation: what a function that records metrics hands `observed`. */
export const flushMetrics = logMetrics(metrics);
