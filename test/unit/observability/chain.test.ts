/**
 * The middleware chain of every Lambda entry (functions/observability/chain.ts) runs middleware as
 * @middy/core 6 does: each case runs the same middleware through both and compares what happened.
 */
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { chain } from '#observability/chain.ts';

type Event = { n: number };
type Handler = (event: Event, context: Context) => Promise<string>;

const context = (remainingMs = 30_000) =>
  ({ getRemainingTimeInMillis: () => remainingMs }) as unknown as Context;

/** Runs a case through middy and through the chain: each outcome and the order things ran in. */
async function both(
  handler: (log: string[]) => Handler,
  middlewares: (log: string[]) => MiddlewareObj<Event, string>[],
  remainingMs?: number,
) {
  const outcome = async (wrap: (inner: Handler) => { use(m: MiddlewareObj<Event, string>): unknown }) => {
    const log: string[] = [];
    const wrapped = wrap(handler(log));
    for (const middleware of middlewares(log)) wrapped.use(middleware);
    try {
      const response = await (wrapped as unknown as Handler)({ n: 1 }, context(remainingMs));
      return { log, response };
    } catch (error) {
      const { name, message, originalError } = error as Error & { originalError?: Error };
      return { log, error: { name, message, original: originalError?.message } };
    }
  };
  return {
    middy: await outcome((inner) => middy(inner) as never),
    chain: await outcome((inner) => chain(inner) as never),
  };
}

const step = (log: string[], name: string, act?: (request: { response?: unknown }) => unknown) => ({
  before: async (request: { response?: unknown }) => {
    log.push(`${name}.before`);
    return act?.(request);
  },
  after: async () => void log.push(`${name}.after`),
  onError: async () => void log.push(`${name}.onError`),
});

const ok =
  (log: string[]): Handler =>
  async (event) => {
    log.push('handler');
    return `ok ${event.n}`;
  };
const fails =
  (log: string[]): Handler =>
  async () => {
    log.push('handler');
    throw new Error('handler failed');
  };

describe('the Lambda middleware chain, against @middy/core', () => {
  it('runs before in order, the handler, then after in reverse order', async () => {
    const { middy: expected, chain: got } = await both(ok, (log) => [step(log, 'a'), step(log, 'b')]);
    expect(got).toEqual(expected);
    expect(got.log).toEqual(['a.before', 'b.before', 'handler', 'b.after', 'a.after']);
  });

  it('answers early when a before step returns a value: no handler, no after', async () => {
    const { middy: expected, chain: got } = await both(ok, (log) => [
      step(log, 'a', () => 'early'),
      step(log, 'b'),
    ]);
    expect(got).toEqual(expected);
    expect(got).toMatchObject({ response: 'early', log: ['a.before'] });
  });

  it('on an error runs onError in reverse order; one that sets the response answers', async () => {
    const { middy: expected, chain: got } = await both(fails, (log) => [
      {
        onError: async (request: { response?: unknown }) => {
          log.push('mapper.onError');
          request.response = 'mapped';
        },
      },
      step(log, 'b'),
    ]);
    expect(got).toEqual(expected);
    expect(got.response).toBe('mapped');
  });

  it('throws the error when no onError answers, and an onError failure with the first as originalError', async () => {
    const unanswered = await both(fails, (log) => [step(log, 'a')]);
    expect(unanswered.chain).toEqual(unanswered.middy);
    expect(unanswered.chain.error?.message).toBe('handler failed');
    const failing = await both(fails, () => [
      {
        onError: async () => {
          throw new Error('mapper failed');
        },
      },
    ]);
    expect(failing.chain).toEqual(failing.middy);
    expect(failing.chain.error).toMatchObject({ message: 'mapper failed', original: 'handler failed' });
  });

  it('gives up 5 ms before the invocation deadline with a TimeoutError, which onError sees', async () => {
    const slow =
      (log: string[]): Handler =>
      async () => {
        log.push('handler');
        await new Promise((resolve) => setTimeout(resolve, 200));
        return 'late';
      };
    const { middy: expected, chain: got } = await both(slow, (log) => [step(log, 'a')], 30);
    expect(got).toEqual(expected);
    expect(got.error?.name).toBe('TimeoutError');
    expect(got.log).toContain('a.onError');
  });
});
