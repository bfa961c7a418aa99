/**
 * The jobs queue, for the functions that send to it: the job runner (its next pages) and the routes
 * that start jobs (replay, backtest). Apart from queued.ts, which ingest's composition imports for
 * its dead letters: a module's `import()` is in the graph of every bundle that imports the module,
 * and esbuild puts in that bundle's cold start what the lazy chunk uses of a shared module (zod's
 * integer and nullable schemas, which only the jobs message uses). The SQS client and the queue
 * load with the first send (sqs.ts, sqs-jobs.ts).
 */

import { ENV } from '#lib/wiring.ts';
import type { JobQueue } from '#ports/jobs.ts';
import { eventStoreFromEnv, jobStoreFromEnv, readModelsFromEnv, snapshotsFromEnv } from './adapters.ts';
import { queueUrlFromEnv } from './config.ts';
import { clockAndIds, threshold } from './lambda.ts';

let jobs: { queueUrl: string; queue: JobQueue } | undefined;

/**
 * This function instance's jobs queue (ENV.jobsQueueUrl, read now), one per URL; the SQS client
 * loads with the first send (composition/sqs.ts says why).
 */
export function jobQueueFromEnv(): JobQueue {
  const queueUrl = queueUrlFromEnv(ENV.jobsQueueUrl);
  if (jobs === undefined || jobs.queueUrl !== queueUrl) {
    jobs = {
      queueUrl,
      queue: {
        send: async (messages) => (await import('./sqs-jobs.ts')).jobQueueOn(queueUrl).send(messages),
      },
    };
  }
  return jobs.queue;
}

/** The replay routes: start a job, read its report, or replay one wallet now. */
export async function replayDeps() {
  const stores = {
    events: eventStoreFromEnv(),
    readModels: readModelsFromEnv(),
    snapshots: snapshotsFromEnv(),
    jobs: jobStoreFromEnv(),
  };
  // Read by a one-wallet replay only: a job's start and its report never fold a view.
  return { stores, config: threshold, queue: jobQueueFromEnv, ...clockAndIds() };
}
