import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { randomIds, systemClock } from '#adapters/clock.ts';
import { activeRulesFromEnv, ruleSetVersionsFromEnv } from '#adapters/compose.ts';
import { sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { storesFromEnv } from '#adapters/dynamodb/stores.ts';
import { jobQueueFromEnv, parseJobMessage } from '#adapters/sqs/jobs-queue.ts';
import { makeJobPageWork, makeJobWork } from '#app/job-work.ts';
import { type JobDeps, runJobPage } from '#app/jobs.ts';
import { logger } from '#http/observability.ts';

/**
 * The jobs queue → one page of a job over every wallet (replay or backtest), then the next page
 * queued. A page that fails comes back (up to the receive limit, then the jobs DLQ); a page
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

let work: Pick<JobDeps, 'work' | 'workPage'> | undefined;

export const handler = middy(
  makeRunJobsHandler(() => {
    const stores = storesFromEnv();
    if (work === undefined) {
      const workDeps = {
        events: stores.events,
        readModels: stores.readModels,
        ruleSets: ruleSetVersionsFromEnv(),
        config: async () => (await activeRulesFromEnv().current()).threshold,
        hash: sha256Hex,
        clock: systemClock,
        ids: randomIds,
      };
      work = { work: makeJobWork(workDeps), workPage: makeJobPageWork(workDeps) };
    }
    return {
      store: stores.events,
      jobs: stores.jobs,
      queue: jobQueueFromEnv(),
      clock: systemClock,
      ids: randomIds,
      ...work,
    };
  }),
).use(injectLambdaContext(logger));
