import type { ScheduledEvent } from 'aws-lambda';
import { type SweepDeps, type SweepReport, sweepExpiries } from '#app/expiry-sweep.ts';
import { sweepDeps } from '#composition/lane-zero.ts';
import { observed } from '#observability/middleware.ts';
import { logger } from '#observability/powertools.ts';

/**
 * Every minute (the wiring's `schedule` trigger: an EventBridge rule in AWS, a timer locally): end
 * the holds and offers whose expiry has come. A sweep that fails or is cut short loses nothing:
 * the entries stay in the index and the next sweep goes on.
 */
export const makeSweepExpiriesHandler =
  (deps: () => SweepDeps) =>
  async (_event: ScheduledEvent): Promise<SweepReport> => {
    const report = await sweepExpiries({ accountLog: logger, ...deps() });
    if (report.expired + report.ended + report.left > 0) logger.info('Expiry sweep', { ...report });
    return report;
  };

export const handler = observed(makeSweepExpiriesHandler(sweepDeps));
