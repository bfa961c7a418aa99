import type { SQSClient } from '@aws-sdk/client-sqs';
import { createDocumentClient } from '#adapters/dynamodb/client.ts';
import { DynamoJobStore } from '#adapters/dynamodb/jobs.ts';
import { LOCAL_REGION } from '#adapters/local/dynamodb-local.ts';
import { SqsJobQueue } from '#adapters/sqs/jobs-queue.ts';
import { resumeJobs } from '#app/jobs.ts';

/**
 * A job that was running when the last run stopped lost its queued pages with the in-process SQS:
 * its unfinished segments are queued again (a page delivered twice counts once). Finding them reads
 * the registry of unfinished segments and their jobs (one Scan of the table only on the first start
 * of a table written before the registry existed). Runs in the background; never fails the start.
 */
export async function resumeUnfinishedJobs(input: {
  endpoint: string;
  tableName: string;
  sqs: SQSClient;
  jobsQueueUrl: string;
  log: (line: string) => void;
}): Promise<void> {
  const documents = createDocumentClient({ endpoint: input.endpoint, region: LOCAL_REGION });
  try {
    const queued = await resumeJobs({
      jobs: new DynamoJobStore(documents, input.tableName),
      queue: new SqsJobQueue(input.sqs, input.jobsQueueUrl),
    });
    if (queued > 0) input.log(`Resumed ${queued} unfinished job segment(s) left by the last run.`);
  } catch (error) {
    input.log(`Could not resume unfinished jobs: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    documents.destroy();
  }
}
