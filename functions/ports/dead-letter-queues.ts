/**
 * Where parked messages wait for a person: the events DLQ (CloudEvents that could not take
 * effect, with the reason ingest gave, or moved there by the redrive policy after too many
 * receives) and the jobs DLQ (job pages that kept failing). An operator lists them, reads why,
 * fixes the cause (a rule, a payload), and redrives them to the queue they came from.
 */
export type DeadLetterQueueName = 'events' | 'jobs';

export interface ParkedMessage {
  /** The DLQ's message id: stable across receives, what redrive names. */
  id: string;
  queue: DeadLetterQueueName;
  /** The machine-readable reason (`rule-failed`, `id-reused`, …); absent when the redrive policy moved it. */
  code?: string;
  /** For the operator; for a message the redrive policy moved: that it failed `receiveCount` times. */
  reason: string;
  /** The message as it arrived (a CloudEvent's JSON; a job page's JSON). */
  body: string;
  /** How often the DLQ has handed it out (this listing included). */
  receiveCount: number;
  /** When it entered the DLQ. */
  parkedAtMs?: number;
  /** The other attributes the letter carries (origin, originId, eventId, contentType, truncated). */
  attributes: Record<string, string>;
}

export interface RedriveResult {
  /** Ids sent back to their source queue and removed from the DLQ. */
  redriven: string[];
}

/** The dead-letter queues, read and redriven; bounded: a listing is a page, not the whole queue. */
export interface DeadLetterQueues {
  /** The DLQs this deployment has (a stack without a jobs consumer has no jobs DLQ). */
  configured(): readonly DeadLetterQueueName[];
  /** Up to `limit` parked messages, without taking them out of the DLQ. */
  list(queue: DeadLetterQueueName, limit: number): Promise<ParkedMessage[]>;
  /** One message (by id) or, with no id, every message found, back to the source queue. */
  redrive(queue: DeadLetterQueueName, id?: string): Promise<RedriveResult>;
}
