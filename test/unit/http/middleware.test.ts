import { Logger } from '@aws-lambda-powertools/logger';
import {
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { DomainError } from '#domain/errors.ts';
import { problemErrors } from '#http/middleware.ts';
import { badRequest, HttpProblem, type HttpResult } from '#http/problem.ts';
import { idempotencyKey } from '#http/request.ts';
import { VersionConflictError } from '#ports/event-store.ts';
import { httpEvent, lambdaContext, problemOf } from '../../support/http.ts';

const logger = new Logger({ serviceName: 'tally-test', logLevel: 'SILENT' });

function throwing(error: unknown) {
  return middy(async (_event: APIGatewayProxyEventV2): Promise<HttpResult> => {
    throw error;
  }).use(problemErrors(logger));
}

const event = httpEvent({ method: 'GET', path: '/x' });

describe('problemErrors', () => {
  it.each<[string, number, string, string]>([
    ['invalid_wallet_id', 400, 'invalid-wallet-id', 'Bad request'],
    ['invalid_amount', 400, 'invalid-amount', 'Bad request'],
    ['invalid_time', 400, 'invalid-time', 'Bad request'],
    ['wallet_not_found', 404, 'wallet-not-found', 'Not found'],
  ])('maps DomainError %s to %i problem+json', async (code, status, type, title) => {
    const response = await throwing(new DomainError(code as DomainError['code'], 'safe detail'))(
      event,
      lambdaContext,
    );
    expect(response.statusCode).toBe(status);
    expect(problemOf(response)).toEqual({
      type: `/problems/${type}`,
      title,
      status,
      detail: 'safe detail',
      instance: 'req-1',
    });
  });

  it('passes an HttpProblem through with its headers and extensions', async () => {
    const problem = new HttpProblem({
      status: 429,
      code: 'slow-down',
      title: 'Too many requests',
      detail: 'Later.',
      headers: { 'retry-after': '3' },
      extensions: { errors: [{ pointer: '#/Amount', detail: 'x' }] },
    });
    const response = await throwing(problem)(event, lambdaContext);
    expect(response).toEqual({
      statusCode: 429,
      headers: { 'content-type': 'application/problem+json', 'retry-after': '3' },
      // The wire form: an absolute type URI (issue 15), the code as its last segment.
      body: '{"type":"https://tally.dev/problems/slow-down","title":"Too many requests","status":429,"detail":"Later.","instance":"req-1","errors":[{"pointer":"#/Amount","detail":"x"}]}',
    });
  });

  it('answers anything else with a 500 that carries neither message nor stack, and logs it', async () => {
    const logged = vi.spyOn(logger, 'error');
    const error = new TypeError("Cannot read properties of undefined (reading 'secretField')");
    const response = await throwing(error)(event, lambdaContext);
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('secretField');
    expect(response.body).not.toContain('TypeError');
    expect(response.body).not.toContain('.ts:');
    expect(Object.keys(problemOf(response)).sort()).toEqual([
      'detail',
      'instance',
      'status',
      'title',
      'type',
    ]);
    expect(logged).toHaveBeenCalledWith('Unhandled error', { error });
    logged.mockRestore();
  });

  it.each([
    [
      'ProvisionedThroughputExceededException',
      new ProvisionedThroughputExceededException({ message: 'x', $metadata: {} }),
    ],
    ['ThrottlingException', Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })],
    [
      'a transaction cancelled by throttling',
      new TransactionCanceledException({
        message: 'cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'None' }, { Code: 'ThrottlingError' }],
      }),
    ],
  ])('answers %s (after the SDK retries) with a 503 and Retry-After, not a 500', async (_name, error) => {
    const response = await throwing(error)(event, lambdaContext);
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['retry-after']).toBe('1');
    expect(problemOf(response)).toMatchObject({ status: 503, type: '/problems/throttled' });
  });

  it('answers contention that outlasted the retries (a version conflict) with a 503 and Retry-After', async () => {
    const error = new VersionConflictError('w1', 0, 7, 'version-taken');
    const response = await throwing(error)(event, lambdaContext);
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['retry-after']).toBe('1');
    expect(problemOf(response)).toMatchObject({ status: 503, type: '/problems/contended' });
    expect(response.body).not.toContain('lane 0');
  });

  it('keeps a transaction cancelled for another reason a 500', async () => {
    const error = new TransactionCanceledException({
      message: 'cancelled',
      $metadata: {},
      CancellationReasons: [{ Code: 'ValidationError' }],
    });
    const response = await throwing(error)(event, lambdaContext);
    expect(response.statusCode).toBe(500);
  });

  it('answers a thrown non-Error value with a 500 too', async () => {
    const response = await throwing('a string')(event, lambdaContext);
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('a string');
  });

  it('leaves out the instance when the request has no request id', async () => {
    const { requestContext: _dropped, ...withoutContext } = event;
    const response = await throwing(badRequest('x', 'y'))(
      withoutContext as unknown as APIGatewayProxyEventV2,
      lambdaContext,
    );
    expect(problemOf(response)).toEqual({
      type: '/problems/x',
      title: 'Bad request',
      status: 400,
      detail: 'y',
    });
  });
});

describe('idempotencyKey', () => {
  const withKey = (value: string) =>
    httpEvent({ method: 'POST', path: '/deposit', headers: { 'Idempotency-Key': value } });

  it.each([
    ['abc', 'abc'],
    ['"abc"', 'abc'],
    ['  "abc"  ', 'abc'],
    ['3f2b8a6e-1c2d-4e5f-8a9b-0c1d2e3f4a5b', '3f2b8a6e-1c2d-4e5f-8a9b-0c1d2e3f4a5b'],
    ['x'.repeat(255), 'x'.repeat(255)],
    ['order-2026/11:retry~1@shop+eu=1_a.b', 'order-2026/11:retry~1@shop+eu=1_a.b'],
  ])('reads %j as %j', (value, expected) => {
    expect(idempotencyKey(withKey(value))).toBe(expected);
  });

  it('is undefined without the header', () => {
    expect(idempotencyKey(httpEvent({ method: 'POST', path: '/deposit' }))).toBeUndefined();
  });

  it.each([
    [''],
    ['""'],
    ['a b'],
    ['x'.repeat(256)],
    ['ключ'],
    ['"'],
    ['"""'],
    ['a"b'],
    ['{key}'],
    ['key;drop'],
    ['key\\n'],
    ['%2F..%2F'],
  ])('refuses %j with 400', (value) => {
    let thrown: unknown;
    try {
      idempotencyKey(withKey(value));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(HttpProblem);
    expect((thrown as HttpProblem).problem).toMatchObject({ status: 400, code: 'invalid-idempotency-key' });
  });
});
