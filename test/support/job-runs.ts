import type { JobMessage } from '#ports/jobs.ts';
import type { InMemoryJobQueue } from './in-memory-job-store.ts';

/**
 * Delivers the queue's pending messages to `deliver`, oldest first, until none is left (the pages
 * a page queues included), as the jobs-queue runner would; returns how many were delivered. Throws
 * if a job does not finish within `maxMessages`.
 */
export async function drainJobQueue(
  queue: InMemoryJobQueue,
  deliver: (message: JobMessage) => Promise<unknown>,
  maxMessages = 1_000,
): Promise<number> {
  let delivered = 0;
  for (let message = queue.take(); message !== undefined; message = queue.take()) {
    if (++delivered > maxMessages) throw new Error(`drainJobQueue: more than ${maxMessages} messages`);
    await deliver(message);
  }
  return delivered;
}

/** Removes the first pending message that matches (one lost in transit), or undefined when none does. */
export function loseMessage(
  queue: InMemoryJobQueue,
  matches: (message: JobMessage) => boolean,
): JobMessage | undefined {
  const index = queue.pending.findIndex(matches);
  return index < 0 ? undefined : queue.pending.splice(index, 1)[0];
}
