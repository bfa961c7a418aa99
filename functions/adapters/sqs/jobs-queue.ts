import type { SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod/mini';
import { zodEnglish } from '#app/zod-wording.ts';
import type { JobMessage, JobQueue } from '#ports/jobs.ts';
import { isFifoQueue } from './client.ts';
import {
  defaultSendRetryPolicy,
  type SendRetryPolicy,
  SqsEventsQueue,
  toMessageBody,
} from './events-queue.ts';

/**
 * The jobs-queue message body: one page of one segment of a job (JobMessage), as JSON. Fields
 * this version does not know are dropped rather than refused, so a page sent by a newer runner
 * during a deployment is still taken up.
 */
const jobMessageSchema = z.object({
  jobId: z.string().check(z.minLength(1), z.maxLength(256)),
  segment: z.int().check(z.gte(0), z.lte(Number.MAX_SAFE_INTEGER)),
  page: z.int().check(z.gte(0), z.lte(Number.MAX_SAFE_INTEGER)),
  cursor: z.nullable(z.string()),
});

function problems(error: z.core.$ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.map(String).join('.') || 'message'}: ${issue.message}`)
    .join('; ');
}

/** The JobMessage a jobs-queue message body holds; throws an Error saying what is wrong otherwise. */
export function parseJobMessage(body: string): JobMessage {
  let candidate: unknown;
  try {
    candidate = JSON.parse(body);
  } catch (error) {
    throw new Error(
      `jobs-queue message is not JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const parsed = jobMessageSchema.safeParse(candidate, { error: zodEnglish });
  if (!parsed.success) throw new Error(`jobs-queue message is not a job page: ${problems(parsed.error)}`);
  return parsed.data;
}

/** The body of one message: exactly the four fields, whatever else the object carries. */
function toJobBody(message: JobMessage): string {
  const parsed = jobMessageSchema.safeParse(message, { error: zodEnglish });
  if (!parsed.success) {
    throw new Error(
      `refusing to queue an invalid job page (${pageName(message)}): ${problems(parsed.error)}`,
    );
  }
  const { jobId, segment, page, cursor } = parsed.data;
  return toMessageBody({ jobId, segment, page, cursor });
}

const pageName = (message: JobMessage): string =>
  `job ${message.jobId} segment ${message.segment} page ${message.page}`;

/**
 * The jobs queue on SQS (a standard queue, never FIFO: pages of a job need no order, and a page
 * delivered twice is counted once by the job store). Sending goes through the events queue's
 * sender: SendMessageBatch in chunks of 10, entries SQS fails retried a bounded number of times.
 * Unlike the events queue, whose caller reports per event, `send` throws when any page is still
 * not sent, so the caller (an admin request, or the runner on its way to the next page) fails and
 * is retried as a whole; pages sent twice are harmless.
 */
export class SqsJobQueue implements JobQueue {
  private readonly sender: SqsEventsQueue;

  constructor(client: SQSClient, queueUrl: string, retry: SendRetryPolicy = defaultSendRetryPolicy) {
    if (isFifoQueue(queueUrl))
      throw new Error(`SqsJobQueue: the jobs queue is a standard queue, got ${queueUrl}`);
    this.sender = new SqsEventsQueue(client, queueUrl, retry);
  }

  async send(messages: JobMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const queued = messages.map((message) => ({
      id: pageName(message),
      subject: message.jobId,
      body: toJobBody(message),
    }));
    const { failed } = await this.sender.send(queued);
    if (failed.length > 0) {
      const shown = failed
        .slice(0, 3)
        .map((failure) => `${failure.id} (${failure.code})`)
        .join(', ');
      const more = failed.length > 3 ? `, and ${failed.length - 3} more` : '';
      throw new Error(`jobs queue: ${failed.length} of ${messages.length} page(s) not sent: ${shown}${more}`);
    }
  }
}
