import { findDeadLetter, listDeadLetters, queuesMeant, redriveDeadLetters } from '#app/dead-letters.ts';
import { deadLetterQueuesFromEnv } from '#composition/dead-letters.ts';
import { adminToken } from '#composition/lambda.ts';
import { authorizeAdmin } from '#http/admin.ts';
import { letterJson, letterNotFound, limitOf, queueOf } from '#http/dead-letters-http.ts';
import { httpHandler, httpRoute } from '#http/handler.ts';
import { jsonResult } from '#http/problem.ts';
import { problem } from '#http/problems.ts';
import type { DeadLetterQueues } from '#ports/dead-letter-queues.ts';

/**
 * `GET /dead-letters[?queue=events|jobs&limit=N]`: what is parked and why, without taking it out.
 * `GET /dead-letters/{id}[?queue=…]`: one parked message, whole: its body and why it failed.
 * `POST /dead-letters/{id}/redrive?queue=…`: one message back to the queue it came from.
 * `POST /dead-letters/redrive[?queue=…]`: every parked message back (after the cause is fixed).
 * The use cases are app/dead-letters.ts.
 */
export const makeDeadLettersHandler = (deps: () => DeadLetterQueues, token = adminToken) =>
  httpRoute({
    admin: { token, authorize: authorizeAdmin },
    wallets: () => [],
    deps,
    run: async (request, queues) => {
      const named = queueOf(request.query.queue);
      const which = queuesMeant(queues, named);
      if (which === undefined)
        throw problem('dead-letter-queue-not-found', `This deployment has no ${named} DLQ.`);
      const id = request.param('id');
      if (request.method === 'GET' && id !== undefined) {
        const found = await findDeadLetter(queues, which, id);
        if (found === undefined) throw letterNotFound(id, which);
        return jsonResult(200, JSON.stringify(letterJson(found)));
      }
      if (request.method === 'GET') {
        const letters = await listDeadLetters(queues, which, limitOf(request.query.limit));
        return jsonResult(200, JSON.stringify({ letters: letters.map(letterJson) }));
      }
      const redriven = await redriveDeadLetters(queues, which, id);
      if (id !== undefined && redriven.length === 0) throw letterNotFound(id, which);
      return jsonResult(200, JSON.stringify({ redriven }));
    },
  });

export const handler = httpHandler(makeDeadLettersHandler(deadLetterQueuesFromEnv));
