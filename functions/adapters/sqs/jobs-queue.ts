import type { SQSClient } from '@aws-sdk/client-sqs';
import type { JobMessage, JobQueue } from '#ports/jobs.ts';
import { defaultSendRetryPolicy, type SendRetryPolicy, SqsEventsQueue } from './events-queue.ts';
import { isFifoQueue } from './fifo.ts';
import { pageName, toJobBody } from './job-message.ts';

// Kept apart (no SDK import): the job runner parses its messages without loading the SQS client.
export { parseJobMessage } from './job-message.ts';

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
