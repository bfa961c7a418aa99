import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { type JobDeps, runJobPage } from '#app/jobs.ts';
import { parseJobMessage } from '#composition/job-formats.ts';
import { jobDeps } from '#composition/jobs.ts';
import { observed } from '#observability/middleware.ts';
import { logger } from '#observability/powertools.ts';

/**
 * The jobs queue → one page of a job (a replay or backtest over every wallet, or a re-publish of
 * the events recorded in a window), then the next page queued. A page that fails comes back (up to the receive limit, then the jobs DLQ); a page
 * delivered twice is counted once.
 */
export function makeRunJobsHandler(deps: () => JobDeps) {
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const jobDeps = deps();
    const recordHandler = async (record: SQSRecord) => {
      const message = parseJobMessage(record.body);
      const receives = Number(record.attributes?.ApproximateReceiveCount ?? '1');
      const outcome = await runJobPage(jobDeps, message, receives > 1);
      logger.info('Job page', { ...message, cursor: message.cursor !== null, outcome });
      return outcome;
    };
    return processPartialResponse(event, recordHandler, new BatchProcessor(EventType.SQS), {
      context,
      throwOnFullBatchFailure: false,
    });
  };
}

export const handler = observed(makeRunJobsHandler(() => jobDeps()));
