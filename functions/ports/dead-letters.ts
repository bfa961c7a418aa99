/**
 * A message that can never take effect (poison JSON, an invalid CloudEvent, a rule that fails on
 * it, an id reused for another payload), on its way to the events DLQ with the reason.
 */
export interface DeadLetter {
  /** Stable and machine-readable, e.g. `malformed-json`, `invalid-event`, `rule-failed`, `id-reused`. */
  code: string;
  /** For the operator: what exactly is wrong. */
  reason: string;
  /** The message as it arrived, so it can be fixed and sent again. */
  body: string;
  /** Which way in it came. */
  origin: 'sqs' | 'kafka';
  /** The SQS message id, or `topic-partition@offset` for Kafka. */
  originId: string;
  /** The CloudEvent id, when the message got far enough to have one. */
  eventId?: string;
  /** How `body` is encoded when it is not the CloudEvent JSON itself. */
  contentType?: string;
}

/** Where dead letters go. The handlers send to it and then let the message leave its queue. */
export interface DeadLetterSink {
  /** Resolves once the letter is stored; rejects if it could not be (the message is then retried). */
  send(letter: DeadLetter): Promise<void>;
}
