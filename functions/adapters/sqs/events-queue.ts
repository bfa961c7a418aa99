import { createHash } from 'node:crypto';
import {
  type BatchResultErrorEntry,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { isFifoQueue } from './fifo.ts';
import { toMessageBody } from './message-body.ts';

// Kept apart (no SDK import): the composition writes message bodies without loading the SQS client.
export { toMessageBody };

/** SendMessageBatch takes at most this many entries. */
export const SEND_BATCH_ENTRIES_MAX = 10;

/** One CloudEvent to put on the events queue. */
export interface QueuedEvent {
  /** The CloudEvent id: the FIFO deduplication id, and how failures are reported. */
  id: string;
  /** The wallet id: the FIFO message group, so one wallet's events stay in order. */
  subject: string;
  /** The message body: the event in the structured JSON format. */
  body: string;
}

export interface SendFailure {
  id: string;
  /** SQS's error code for the entry, or the name of the error that failed the whole call. */
  code: string;
  /** True when SQS says the entry itself is at fault (retrying cannot help). */
  senderFault: boolean;
}

export interface SendOutcome {
  /** Ids that SQS acknowledged. */
  sent: string[];
  /** Ids still not sent after the retries. */
  failed: SendFailure[];
}

export interface SendRetryPolicy {
  /** Attempts per chunk, the first included. */
  attemptsMax: number;
  /** Pause before the second attempt; doubles per attempt. */
  backoffBaseMs: number;
  sleep: (ms: number) => Promise<void>;
}

export const defaultSendRetryPolicy: SendRetryPolicy = {
  attemptsMax: 3,
  backoffBaseMs: 50,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** SQS's deduplication id allows 128 characters; CloudEvent ids may have 255. */
const DEDUPLICATION_ID_MAX = 128;

/** The FIFO deduplication id: the event id itself, or its SHA-256 when it is too long for SQS. */
export function deduplicationId(eventId: string): string {
  return eventId.length <= DEDUPLICATION_ID_MAX
    ? eventId
    : createHash('sha256').update(eventId).digest('hex');
}

/**
 * The events queue as `POST /events` uses it: SendMessageBatch in chunks of 10, sent in parallel
 * (in order on a FIFO queue).
 * Entries SQS fails are retried a bounded number of times (the SDK already retried whole calls that
 * failed); entries it blames on the sender are not retried. Sending the same event twice is harmless:
 * ingest takes effect once per CloudEvent id.
 */
export class SqsEventsQueue {
  private readonly fifo: boolean;

  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly retry: SendRetryPolicy = defaultSendRetryPolicy,
  ) {
    if (retry.attemptsMax < 1) throw new Error('SqsEventsQueue: attemptsMax must be at least 1');
    this.fifo = isFifoQueue(queueUrl);
  }

  async send(events: readonly QueuedEvent[]): Promise<SendOutcome> {
    const chunks: QueuedEvent[][] = [];
    for (let start = 0; start < events.length; start += SEND_BATCH_ENTRIES_MAX) {
      chunks.push(events.slice(start, start + SEND_BATCH_ENTRIES_MAX));
    }
    let outcomes: SendOutcome[];
    if (this.fifo) {
      // One chunk after another: SQS keeps a group's order within a call and across calls, not
      // across calls in flight together. (A retried entry may still land after later ones of its
      // group; ingest does not depend on arrival order, which only saves contention.)
      outcomes = [];
      for (const chunk of chunks) outcomes.push(await this.sendChunk(chunk));
    } else {
      outcomes = await Promise.all(chunks.map((chunk) => this.sendChunk(chunk)));
    }
    return {
      sent: outcomes.flatMap((outcome) => outcome.sent),
      failed: outcomes.flatMap((outcome) => outcome.failed),
    };
  }

  private entry(event: QueuedEvent, index: number): SendMessageBatchRequestEntry {
    return {
      // Entry ids only need to be unique within one call; event ids may hold characters SQS refuses here.
      Id: `e${index}`,
      MessageBody: event.body,
      ...(this.fifo
        ? { MessageGroupId: event.subject, MessageDeduplicationId: deduplicationId(event.id) }
        : {}),
    };
  }

  private async sendChunk(chunk: readonly QueuedEvent[]): Promise<SendOutcome> {
    const sent: string[] = [];
    const failed: SendFailure[] = [];
    let pending = chunk.map((event, index) => ({ event, entry: this.entry(event, index) }));
    for (let attempt = 1; pending.length > 0; attempt++) {
      let errors: BatchResultErrorEntry[];
      try {
        const result = await this.client.send(
          new SendMessageBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: pending.map((item) => item.entry),
          }),
        );
        const succeeded = new Set((result.Successful ?? []).map((entry) => entry.Id));
        errors = [...(result.Failed ?? [])];
        const reported = new Set(errors.map((error) => error.Id));
        for (const item of pending) {
          if (succeeded.has(item.entry.Id)) sent.push(item.event.id);
          // Neither sent nor failed should not happen; treat it as not sent rather than lose it.
          else if (!reported.has(item.entry.Id))
            errors.push({ Id: item.entry.Id, Code: 'NotAcknowledged', SenderFault: false });
        }
      } catch (error) {
        // The whole call failed after the SDK's own retries: every entry of it is still pending.
        const code = error instanceof Error ? error.name : 'SendMessageBatchFailed';
        errors = pending.map((item) => ({ Id: item.entry.Id, Code: code, SenderFault: false }));
      }
      const byId = new Map(errors.map((error) => [error.Id, error]));
      const retryable: typeof pending = [];
      for (const item of pending) {
        const error = byId.get(item.entry.Id);
        if (error === undefined) continue;
        if (error.SenderFault === true || attempt >= this.retry.attemptsMax) {
          failed.push({
            id: item.event.id,
            code: error.Code ?? 'Unknown',
            senderFault: error.SenderFault === true,
          });
        } else {
          retryable.push(item);
        }
      }
      pending = retryable;
      if (pending.length > 0) await this.retry.sleep(this.retry.backoffBaseMs * 2 ** (attempt - 1));
    }
    return { sent, failed };
  }
}
