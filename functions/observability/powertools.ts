import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** One logger and one metrics buffer per function instance (Powertools reads its env config). */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'tally' });

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
