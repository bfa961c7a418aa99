import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { problemErrors } from '#http/middleware.ts';
import type { HttpResult } from '#http/problem.ts';
import { isUnreachable } from '#http/unreachable.ts';
import { httpEvent, lambdaContext, problemOf } from '../../support/http.ts';

const logger = new Logger({ serviceName: 'tally-test', logLevel: 'SILENT' });
const event = httpEvent({ method: 'POST', path: '/deposit' });
const throwing = (error: unknown) =>
  middy(async (_event: APIGatewayProxyEventV2): Promise<HttpResult> => {
    throw error;
  }).use(problemErrors(logger));

const refused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4567'), { code: 'ECONNREFUSED' });

describe('a store that cannot be reached (issue 15 §8)', () => {
  it.each<[string, unknown]>([
    ['a refused connection', refused()],
    ['a reset socket', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    // Node 20 reports a refused dual-stack connect as an AggregateError of both attempts.
    [
      'an AggregateError of refusals',
      Object.assign(new AggregateError([refused(), refused()]), { code: undefined }),
    ],
    ['a wrapped cause', new Error('send failed', { cause: refused() })],
    ['an SDK timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
    [
      'a 503 from the endpoint',
      Object.assign(new Error('x'), { name: 'X', $metadata: { httpStatusCode: 503 } }),
    ],
  ])('answers %s with 503 store-unreachable and Retry-After, never 500', async (_name, error) => {
    const response = await throwing(error)(event, lambdaContext);
    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({
      'content-type': 'application/problem+json',
      'retry-after': '1',
    });
    expect(problemOf(response)).toMatchObject({ status: 503, type: '/problems/store-unreachable' });
  });

  it('leaves a plain bug a 500', async () => {
    expect((await throwing(new TypeError('x is undefined'))(event, lambdaContext)).statusCode).toBe(500);
    expect(isUnreachable(Object.assign(new Error('x'), { $metadata: { httpStatusCode: 400 } }))).toBe(false);
  });

  it('follows causes a bounded depth only', () => {
    let error: Error = refused();
    for (let depth = 0; depth < 10; depth++) error = new Error('wrapped', { cause: error });
    expect(isUnreachable(error)).toBe(false);
  });
});
