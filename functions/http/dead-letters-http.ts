import { DEAD_LETTERS_PAGE_MAX } from '#app/dead-letters.ts';
import type { DeadLetterQueueName, ParkedMessage } from '#ports/dead-letter-queues.ts';
import { problem } from './problems.ts';

/** `/dead-letters` query parameters and answers (functions/handlers/dead-letters.ts). */

const QUEUES: readonly DeadLetterQueueName[] = ['events', 'jobs'];
const LIMIT_DEFAULT = 50;

/** `?queue=`: events or jobs; absent means every configured queue. */
export function queueOf(value: string | undefined): DeadLetterQueueName | undefined {
  if (value === undefined || value === '') return undefined;
  if ((QUEUES as readonly string[]).includes(value)) return value as DeadLetterQueueName;
  throw problem('invalid-queue', `queue must be one of ${QUEUES.join(', ')}; got "${value}".`);
}

/** `?limit=`: letters per queue, 1 to DEAD_LETTERS_PAGE_MAX. */
export function limitOf(value: string | undefined): number {
  if (value === undefined || value === '') return LIMIT_DEFAULT;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > DEAD_LETTERS_PAGE_MAX) {
    throw problem('invalid-limit', `limit must be a whole number from 1 to ${DEAD_LETTERS_PAGE_MAX}.`);
  }
  return limit;
}

export const letterJson = (letter: ParkedMessage) => ({
  id: letter.id,
  queue: letter.queue,
  code: letter.code ?? null,
  reason: letter.reason,
  receiveCount: letter.receiveCount,
  parkedAt: letter.parkedAtMs === undefined ? null : new Date(letter.parkedAtMs).toISOString(),
  attributes: letter.attributes,
  body: letter.body,
});

export const letterNotFound = (id: string, which: readonly DeadLetterQueueName[]) =>
  problem('dead-letter-not-found', `No parked message ${id} in the ${which.join(' or ')} DLQ.`);
