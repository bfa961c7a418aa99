import { createHash } from 'node:crypto';
import { type MessageAttributeValue, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DeadLetter, DeadLetterSink } from '#ports/dead-letters.ts';
import { isFifoQueue } from './client.ts';

/** SQS message attribute values are limited by the message size only; keep reasons readable. */
const ATTRIBUTE_CHARS_MAX = 1_024;
/** SQS messages hold at most 1 MiB (body and attributes); leave room for the attributes. */
const BODY_BYTES_MAX = 1_000_000;

const text = (value: string): MessageAttributeValue => ({
  DataType: 'String',
  StringValue: value.length > ATTRIBUTE_CHARS_MAX ? `${value.slice(0, ATTRIBUTE_CHARS_MAX - 1)}…` : value,
});

/**
 * Sends dead letters straight to the events DLQ: the message body as it arrived, and the reason,
 * code and origin as message attributes (an operator reads them in the console, or with
 * `aws sqs receive-message --message-attribute-names All`). This is what the redrive policy cannot
 * do: it moves a message after its receive limit, but without saying why.
 */
export class SqsDeadLetterQueue implements DeadLetterSink {
  private readonly fifo: boolean;

  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {
    this.fifo = isFifoQueue(queueUrl);
  }

  async send(letter: DeadLetter): Promise<void> {
    const tooLarge = Buffer.byteLength(letter.body, 'utf8') > BODY_BYTES_MAX;
    // An over-long body cannot be kept whole; the reason and origin still say what to look for.
    const body = tooLarge
      ? letter.body.slice(0, BODY_BYTES_MAX / 4).replace(/[\ud800-\udbff]$/, '')
      : letter.body;
    const attributes: Record<string, MessageAttributeValue> = {
      reason: text(letter.reason),
      code: text(letter.code),
      origin: text(letter.origin),
      originId: text(letter.originId),
      ...(letter.eventId === undefined ? {} : { eventId: text(letter.eventId) }),
      ...(letter.contentType === undefined ? {} : { contentType: text(letter.contentType) }),
      ...(tooLarge ? { truncated: text('true') } : {}),
    };
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        // SQS refuses an empty body; an empty message is still worth a letter.
        MessageBody: body === '' ? '(empty message)' : body,
        MessageAttributes: attributes,
        ...(this.fifo
          ? {
              MessageGroupId: 'dead-letters',
              // A redelivery of the same message (the handler stopped after sending its letter) is
              // dropped by FIFO deduplication instead of filing a second letter.
              MessageDeduplicationId: createHash('sha256')
                .update(`${letter.origin}\n${letter.originId}\n${letter.code}`)
                .digest('hex'),
            }
          : {}),
      }),
    );
  }
}
