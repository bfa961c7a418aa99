import { deadLetterQueuesFromEnv } from '#composition/dead-letters.ts';
import { adminToken } from '#composition/lambda.ts';
import { httpHandler, httpRoute } from '#http/handler.ts';
import { jsonResult } from '#http/problem.ts';
import { problem } from '#http/problems.ts';
import type { DeadLetterQueueName, DeadLetterQueues, ParkedMessage } from '#ports/dead-letter-queues.ts';

const QUEUES: readonly DeadLetterQueueName[] = ['events', 'jobs'];
const LIMIT_DEFAULT = 50;
const LIMIT_MAX = 500;

function queueOf(value: string | undefined): DeadLetterQueueName | undefined {
  if (value === undefined || value === '') return undefined;
  if ((QUEUES as readonly string[]).includes(value)) return value as DeadLetterQueueName;
  throw problem('invalid-queue', `queue must be one of ${QUEUES.join(', ')}; got "${value}".`);
}

function limitOf(value: string | undefined): number {
  if (value === undefined || value === '') return LIMIT_DEFAULT;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > LIMIT_MAX) {
    throw problem('invalid-limit', `limit must be a whole number from 1 to ${LIMIT_MAX}.`);
  }
  return limit;
}

const letterJson = (letter: ParkedMessage) => ({
  id: letter.id,
  queue: letter.queue,
  code: letter.code ?? null,
  reason: letter.reason,
  receiveCount: letter.receiveCount,
  parkedAt: letter.parkedAtMs === undefined ? null : new Date(letter.parkedAtMs).toISOString(),
  attributes: letter.attributes,
  body: letter.body,
});

/**
 * `GET /dead-letters[?queue=events|jobs&limit=N]`: what is parked and why, without taking it out.
 * `GET /dead-letters/{id}[?queue=…]`: one parked message, whole: its body and why it failed.
 * `POST /dead-letters/{id}/redrive?queue=…`: one message back to the queue it came from.
 * `POST /dead-letters/redrive[?queue=…]`: every parked message back (after the cause is fixed).
 * A redriven CloudEvent that already took effect is a replay, never a second count: ingest is
 * idempotent by source + id.
 */
export const makeDeadLettersHandler = (deps: () => DeadLetterQueues, token = adminToken) =>
  httpRoute({
    admin: { token },
    wallets: () => [],
    deps,
    run: async (request, queues) => {
      const named = queueOf(request.query.queue);
      const configured = queues.configured();
      if (named !== undefined && !configured.includes(named)) {
        throw problem('dead-letter-queue-not-found', `This deployment has no ${named} DLQ.`);
      }
      const which = named === undefined ? configured : [named];
      const id = request.param('id');
      if (request.method === 'GET' && id !== undefined) {
        // A DLQ is read a page at a time (no lookup by id), so one letter is found in the first
        // LIMIT_MAX of each queue: enough for an operator's look, and bounded.
        for (const queue of which) {
          const found = (await queues.list(queue, LIMIT_MAX)).find((letter) => letter.id === id);
          if (found !== undefined) return jsonResult(200, JSON.stringify(letterJson(found)));
        }
        throw problem('dead-letter-not-found', `No parked message ${id} in the ${which.join(' or ')} DLQ.`);
      }
      if (request.method === 'GET') {
        const limit = limitOf(request.query.limit);
        const letters = (await Promise.all(which.map((queue) => queues.list(queue, limit)))).flat();
        return jsonResult(200, JSON.stringify({ letters: letters.map(letterJson) }));
      }
      const redriven: { queue: DeadLetterQueueName; id: string }[] = [];
      for (const queue of which) {
        const result = await queues.redrive(queue, id);
        redriven.push(...result.redriven.map((redrivenId) => ({ queue, id: redrivenId })));
        if (id !== undefined && redriven.length > 0) break;
      }
      if (id !== undefined && redriven.length === 0) {
        throw problem('dead-letter-not-found', `No parked message ${id} in the ${which.join(' or ')} DLQ.`);
      }
      return jsonResult(200, JSON.stringify({ redriven }));
    },
  });

export const handler = httpHandler(makeDeadLettersHandler(deadLetterQueuesFromEnv));
