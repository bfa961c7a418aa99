import type { DeadLetterQueueName, DeadLetterQueues, ParkedMessage } from '#ports/dead-letter-queues.ts';

/**
 * The dead-letter use cases behind `/dead-letters` (and so `tally dlq`): look at what is parked,
 * find one letter, send letters back. A redriven CloudEvent that already took effect is a replay,
 * never a second count: ingest is idempotent by source + id.
 */

/**
 * A DLQ is read a page at a time (no lookup by id), so one letter is looked for in the first this
 * many of each queue: enough for an operator's look, and bounded. Also the largest list page.
 */
export const DEAD_LETTERS_PAGE_MAX = 500;

/** The queues a request means: the one it names (undefined when not configured), else every configured one. */
export function queuesMeant(
  queues: DeadLetterQueues,
  named: DeadLetterQueueName | undefined,
): readonly DeadLetterQueueName[] | undefined {
  const configured = queues.configured();
  if (named === undefined) return configured;
  return configured.includes(named) ? [named] : undefined;
}

/** Up to `limit` letters of each queue, without taking them out. */
export async function listDeadLetters(
  queues: DeadLetterQueues,
  which: readonly DeadLetterQueueName[],
  limit: number,
): Promise<ParkedMessage[]> {
  return (await Promise.all(which.map((queue) => queues.list(queue, limit)))).flat();
}

/** One letter, whole, from the first queue that holds it among the first DEAD_LETTERS_PAGE_MAX. */
export async function findDeadLetter(
  queues: DeadLetterQueues,
  which: readonly DeadLetterQueueName[],
  id: string,
): Promise<ParkedMessage | undefined> {
  for (const queue of which) {
    const found = (await queues.list(queue, DEAD_LETTERS_PAGE_MAX)).find((letter) => letter.id === id);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Letter `id` (from the first queue that had it), or every letter, back to the queue it came from. */
export async function redriveDeadLetters(
  queues: DeadLetterQueues,
  which: readonly DeadLetterQueueName[],
  id: string | undefined,
): Promise<{ queue: DeadLetterQueueName; id: string }[]> {
  const redriven: { queue: DeadLetterQueueName; id: string }[] = [];
  for (const queue of which) {
    const result = await queues.redrive(queue, id);
    redriven.push(...result.redriven.map((redrivenId) => ({ queue, id: redrivenId })));
    if (id !== undefined && redriven.length > 0) break;
  }
  return redriven;
}
