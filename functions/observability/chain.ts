/**
 * The middleware chain every Lambda entry runs in (`observed()`): what `@middy/core` did for us, in
 * the few lines Tally uses. Middy's module imports `node:stream`, `node:stream/promises`,
 * `node:stream/web` and `node:timers` at load for its response streaming, which no Tally function
 * uses; loading them was a cold-start cost of every function (and 3 KB of each bundle). The chain
 * takes the same middleware objects (`MiddlewareObj`: Powertools' `injectLambdaContext` and
 * `logMetrics`, http/middleware.ts's `problemErrors`) and runs them as middy 6 does:
 * - `before` in the order added; one that returns a value answers early (the handler and `after`
 *   do not run);
 * - the handler, raced against the invocation's deadline less 5 ms (a `TimeoutError` then, as
 *   middy's `timeoutEarly`), so `onError` still logs and answers before Lambda kills the call;
 * - `after` in reverse order; on any error, the response is cleared and `onError` runs in reverse
 *   order: one that sets `request.response` answers, else the error is thrown (an error thrown by
 *   `onError` itself is thrown, with the first as `originalError`).
 * The handler tests keep wrapping handlers with middy itself (a dev dependency use), and
 * test/unit/observability/chain.test.ts holds the chain to these rules.
 */
import type { MiddlewareObj, Request } from '@middy/core';
import type { Context } from 'aws-lambda';

/** What middy's `timeoutEarlyInMillis` defaults to. */
const TIMEOUT_EARLY_MS = 5;

export type Chain<E, R> = ((event: E, context: Context) => Promise<R>) & {
  use(middleware: MiddlewareObj<E, R>): Chain<E, R>;
};

type Step<E, R> = (request: Request<E, R>) => unknown;

export function chain<E, R>(handler: (event: E, context: Context) => Promise<R>): Chain<E, R> {
  const befores: Step<E, R>[] = [];
  const afters: Step<E, R>[] = [];
  const onErrors: Step<E, R>[] = [];

  const run = async (event: E, context: Context): Promise<R> => {
    const request = {
      event,
      context,
      response: undefined,
      error: undefined,
      internal: {},
    } as unknown as Request<E, R>;
    try {
      if (!(await runSteps(request, befores))) {
        request.response = await withDeadline(handler(event, context), context);
        await runSteps(request, afters);
      }
    } catch (error) {
      request.response = undefined as unknown as R;
      request.error = error as Error;
      try {
        await runSteps(request, onErrors);
      } catch (fromOnError) {
        (fromOnError as { originalError?: unknown }).originalError = request.error;
        throw fromOnError;
      }
      if (request.response === undefined) throw request.error;
    }
    return request.response as R;
  };

  const chained = run as Chain<E, R>;
  chained.use = (middleware) => {
    if (middleware.before) befores.push(middleware.before as Step<E, R>);
    if (middleware.after) afters.unshift(middleware.after as Step<E, R>);
    if (middleware.onError) onErrors.unshift(middleware.onError as Step<E, R>);
    return chained;
  };
  return chained;
}

/** Runs the steps in order; true when one answered early (its value is the response). */
async function runSteps<E, R>(request: Request<E, R>, steps: readonly Step<E, R>[]): Promise<boolean> {
  for (const step of steps) {
    const early = await step(request);
    if (early !== undefined) {
      request.response = early as R;
      return true;
    }
  }
  return false;
}

function withDeadline<R>(work: Promise<R>, context: Context): Promise<R> {
  if (typeof context?.getRemainingTimeInMillis !== 'function') return work;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error('[AbortError]: The operation was aborted.', {
        cause: { package: '@middy/core' },
      });
      error.name = 'TimeoutError';
      reject(error);
    }, context.getRemainingTimeInMillis() - TIMEOUT_EARLY_MS);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
