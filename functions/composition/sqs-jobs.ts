/**
 * The jobs queue on this function instance's SQS client (sqs.ts), reached only through `import()`
 * (job-queue.ts): only the job runner and the routes that start jobs send to it. Apart from sqs.ts,
 * whose chunk ingest loads with its first dead letter: the jobs message's schema (zod's integer and
 * nullable schemas) would otherwise be in ingest's and the events API's cold starts, since esbuild
 * puts what a lazy chunk uses of a shared module in the cold start.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { SqsJobQueue } from '#adapters/sqs/jobs-queue.ts';
import type { JobQueue } from '#ports/jobs.ts';
import { sqsClientFromEnv } from './sqs.ts';

let jobs: { client: SQSClient; queueUrl: string; queue: SqsJobQueue } | undefined;

/** The jobs queue at `queueUrl`, one per client and URL (tests start one local runtime after another). */
export function jobQueueOn(queueUrl: string): JobQueue {
  const client = sqsClientFromEnv();
  if (jobs === undefined || jobs.client !== client || jobs.queueUrl !== queueUrl) {
    jobs = { client, queueUrl, queue: new SqsJobQueue(client, queueUrl) };
  }
  return jobs.queue;
}
