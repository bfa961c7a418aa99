import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type {
  DeadLetterQueueName,
  DeadLetterQueues,
  ParkedMessage,
  RedriveResult,
} from '#ports/dead-letter-queues.ts';
import { isFifoQueue } from './client.ts';

/** A DLQ and the queue its messages came from (where redrive sends them). */
export interface QueuePair {
  dlqUrl: string;
  sourceUrl: string;
}

/** How long a listed message stays hidden before it is released again (released at once after). */
const HOLD_SECONDS = 20;
/** Receives per call: 10 messages each, so at most 1,000 messages listed or redriven at once. */
const ROUNDS_MAX = 100;

const stringAttributes = (message: Message): Record<string, string> =>
  Object.fromEntries(
    Object.entries(message.MessageAttributes ?? {}).flatMap(([name, value]) =>
      value.StringValue === undefined ? [] : [[name, value.StringValue]],
    ),
  );

function parked(queue: DeadLetterQueueName, message: Message): ParkedMessage {
  const { code, reason, ...attributes } = stringAttributes(message);
  const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? 1);
  const sentMs = Number(message.Attributes?.SentTimestamp);
  return {
    id: message.MessageId ?? '',
    queue,
    ...(code === undefined ? {} : { code }),
    // No reason attribute: the queue's redrive policy moved it after its receives ran out.
    reason: reason ?? 'its handler failed on every receive; the redrive policy moved it here',
    body: message.Body ?? '',
    receiveCount,
    ...(Number.isFinite(sentMs) ? { parkedAtMs: sentMs } : {}),
    attributes,
  };
}

/**
 * The DLQs over the SQS API (in AWS, and locally against fauxqs, which speaks the same API).
 * Listing receives messages and at once makes them visible again, so a listing changes nothing;
 * redrive sends each message back to its source queue with its body and attributes, then deletes
 * it from the DLQ. A crash between the two leaves the message in both queues: it is then ingested
 * once and redriven again, which ingest's idempotency (source + id) turns into a replay.
 */
export class SqsDeadLetterQueues implements DeadLetterQueues {
  constructor(
    private readonly client: SQSClient,
    private readonly queues: Partial<Record<DeadLetterQueueName, QueuePair>>,
  ) {}

  configured(): readonly DeadLetterQueueName[] {
    return (['events', 'jobs'] as const).filter((queue) => this.queues[queue] !== undefined);
  }

  private pair(queue: DeadLetterQueueName): QueuePair {
    const pair = this.queues[queue];
    if (pair === undefined) throw new Error(`dead letters: the ${queue} DLQ is not configured here`);
    return pair;
  }

  private async receive(dlqUrl: string, max: number): Promise<Message[]> {
    const result = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MaxNumberOfMessages: Math.min(10, Math.max(1, max)),
        VisibilityTimeout: HOLD_SECONDS,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    return result.Messages ?? [];
  }

  private async release(dlqUrl: string, messages: readonly Message[]): Promise<void> {
    for (let start = 0; start < messages.length; start += 10) {
      const entries = messages
        .slice(start, start + 10)
        .flatMap((message, index) =>
          message.ReceiptHandle === undefined
            ? []
            : [{ Id: String(index), ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0 }],
        );
      if (entries.length > 0) {
        await this.client.send(
          new ChangeMessageVisibilityBatchCommand({ QueueUrl: dlqUrl, Entries: entries }),
        );
      }
    }
  }

  async list(queue: DeadLetterQueueName, limit: number): Promise<ParkedMessage[]> {
    const { dlqUrl } = this.pair(queue);
    const held: Message[] = [];
    const seen = new Set<string>();
    try {
      for (let round = 0; round < ROUNDS_MAX && seen.size < limit; round++) {
        const messages = await this.receive(dlqUrl, limit - seen.size);
        if (messages.length === 0) break;
        held.push(...messages);
        for (const message of messages) if (message.MessageId) seen.add(message.MessageId);
      }
    } finally {
      await this.release(dlqUrl, held);
    }
    const unique = new Map(held.map((message) => [message.MessageId, message]));
    return [...unique.values()].slice(0, limit).map((message) => parked(queue, message));
  }

  async redrive(queue: DeadLetterQueueName, id?: string): Promise<RedriveResult> {
    const { dlqUrl, sourceUrl } = this.pair(queue);
    const redriven: string[] = [];
    const kept: Message[] = [];
    try {
      for (let round = 0; round < ROUNDS_MAX; round++) {
        const messages = await this.receive(dlqUrl, 10);
        if (messages.length === 0) break;
        for (const message of messages) {
          if (id !== undefined && message.MessageId !== id) {
            kept.push(message);
            continue;
          }
          await this.sendBack(sourceUrl, message);
          await this.client.send(
            new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: message.ReceiptHandle }),
          );
          redriven.push(message.MessageId ?? '');
        }
        if (id !== undefined && redriven.length > 0) break;
      }
    } finally {
      await this.release(dlqUrl, kept);
    }
    return { redriven };
  }

  private async sendBack(sourceUrl: string, message: Message): Promise<void> {
    const attributes: Record<string, MessageAttributeValue> = {};
    for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
      // The reason was for the DLQ; a new failure files a new one.
      if (name === 'reason' || name === 'code' || value.StringValue === undefined) continue;
      attributes[name] = { DataType: 'String', StringValue: value.StringValue };
    }
    attributes.redrivenFrom = { DataType: 'String', StringValue: message.MessageId ?? '' };
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: sourceUrl,
        MessageBody: message.Body ?? '',
        MessageAttributes: attributes,
        ...(isFifoQueue(sourceUrl)
          ? {
              MessageGroupId: message.Attributes?.MessageGroupId ?? 'redrive',
              // A second redrive of the same letter within five minutes is dropped by SQS.
              MessageDeduplicationId: `redrive-${message.MessageId ?? ''}`,
            }
          : {}),
      }),
    );
  }
}
