import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { DepositDeps } from '#app/deposit.ts';
import { HeadCache } from '#app/head-cache.ts';
import { makeDepositHandler } from '#handlers/deposit.ts';
import { problemErrors } from '#http/middleware.ts';
import type { HttpResult } from '#http/problem.ts';
import { VersionConflictError } from '#ports/event-store.ts';
import { httpEvent, lambdaContext, problemOf } from '../../support/http.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';

const NOW_MS = 1_700_000_000_000; // 2023-11-14T22:13:20.000Z
const logger = new Logger({ serviceName: 'tally-test', logLevel: 'SILENT' });

let store: InMemoryEventStore;
let deps: DepositDeps;
let idCount: number;

beforeEach(() => {
  store = new InMemoryEventStore();
  idCount = 0;
  deps = {
    store,
    clock: { nowMs: () => NOW_MS },
    ids: { newId: () => `evt-${++idCount}` },
    heads: new HeadCache(),
    retry: { attemptsMax: 3, backoffBaseMs: 1, backoffCapMs: 1, sleep: async () => {}, random: () => 0 },
  };
});

const handler = () => middy(makeDepositHandler(() => deps)).use(problemErrors(logger));

async function post(body: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return handler()(httpEvent({ method: 'POST', path: '/deposit', body: text, headers }), lambdaContext);
}

describe('POST /deposit', () => {
  it('answers 201 with the exact body and a location, and stores one event', async () => {
    const response = await post({ WalletID: 'w1', Amount: 8000 });
    expect(response).toEqual({
      statusCode: 201,
      headers: { 'content-type': 'application/json', location: '/details/w1' },
      body: '{"WalletID":"w1","Amount":8000,"Lane":0,"Version":1,"EventID":"evt-1","RecordedAt":"2023-11-14T22:13:20.000Z"}',
    });
    expect(store.storedEvents('w1').map((event) => event.data)).toEqual([
      { amountMinor: 800_000n, occurredAtMs: NOW_MS },
    ]);
  });

  it('accepts a decimal string and renders exact amounts: "0.1" is 0.1', async () => {
    const response = await post({ WalletID: 'w1', Amount: '0.1' });
    expect(response.body).toBe(
      '{"WalletID":"w1","Amount":0.1,"Lane":0,"Version":1,"EventID":"evt-1","RecordedAt":"2023-11-14T22:13:20.000Z"}',
    );
  });

  it('escapes the wallet id into the location header', async () => {
    const response = await post({ WalletID: 'alice@example.com', Amount: 1 });
    expect(response.headers?.location).toBe('/details/alice%40example.com');
  });

  it('accepts a base64-encoded body', async () => {
    const body = Buffer.from('{"WalletID":"w1","Amount":5}').toString('base64');
    const response = await handler()(
      httpEvent({ method: 'POST', path: '/deposit', body, isBase64Encoded: true }),
      lambdaContext,
    );
    expect(response.statusCode).toBe(201);
  });

  it('replays the original response for the same Idempotency-Key and payload, with a header', async () => {
    const first = await post({ WalletID: 'w1', Amount: 8000 }, { 'Idempotency-Key': '"k-1"' });
    deps.clock = { nowMs: () => NOW_MS + 60_000 };
    // The bare form of the same key, and the same amount spelled differently: the same request.
    const again = await post({ WalletID: 'w1', Amount: '8000.00' }, { 'idempotency-key': 'k-1' });
    expect(first.statusCode).toBe(201);
    expect(again).toEqual({
      statusCode: 201,
      headers: { 'content-type': 'application/json', location: '/details/w1', 'idempotent-replayed': 'true' },
      body: first.body,
    });
    expect(first.headers?.['idempotent-replayed']).toBeUndefined();
    expect(store.eventCount()).toBe(1);
  });

  it('answers 422 for a reused key with another payload, and changes nothing', async () => {
    await post({ WalletID: 'w1', Amount: 8000 }, { 'Idempotency-Key': 'k-1' });
    const response = await post({ WalletID: 'w1', Amount: 8001 }, { 'Idempotency-Key': 'k-1' });
    expect(response.statusCode).toBe(422);
    expect(problemOf(response)).toEqual({
      type: '/problems/idempotency-key-reused',
      title: 'Idempotency-Key reused',
      status: 422,
      detail: 'This Idempotency-Key was already used with a different payload; nothing was changed.',
      instance: 'req-1',
    });
    const otherWallet = await post({ WalletID: 'w2', Amount: 8000 }, { 'Idempotency-Key': 'k-1' });
    expect(otherWallet.statusCode).toBe(422);
    expect(store.eventCount()).toBe(1);
  });

  describe('under contention', () => {
    beforeEach(() => {
      store.append = async (request) => {
        throw new VersionConflictError(
          request.walletId,
          request.lane,
          request.expected.version,
          'transaction-conflict',
        );
      };
    });

    it('answers 503 wallet-busy with retry-after when retries run out without a key', async () => {
      const response = await post({ WalletID: 'w1', Amount: 1 });
      expect(response.statusCode).toBe(503);
      expect(response.headers?.['retry-after']).toBe('1');
      expect(problemOf(response)).toMatchObject({ type: '/problems/wallet-busy', status: 503 });
      expect(store.eventCount()).toBe(0);
    });

    it('answers 409 in-flight with retry-after when retries run out with a key', async () => {
      const response = await post({ WalletID: 'w1', Amount: 1 }, { 'Idempotency-Key': 'k-1' });
      expect(response.statusCode).toBe(409);
      expect(response.headers?.['retry-after']).toBe('1');
      expect(problemOf(response)).toMatchObject({ type: '/problems/idempotency-key-in-flight', status: 409 });
    });
  });

  it.each<[string, string, number, string, string?]>([
    ['malformed JSON', '{"WalletID":', 400, 'malformed-json'],
    ['a JSON array', '[1]', 400, 'invalid-request'],
    ['a missing Amount', '{"WalletID":"w1"}', 400, 'invalid-request', 'Amount: is required'],
    ['a boolean Amount', '{"WalletID":"w1","Amount":true}', 400, 'invalid-request'],
    ['an unknown field', '{"WalletID":"w1","Amount":1,"Extra":1}', 400, 'invalid-request'],
    ['a numeric WalletID', '{"WalletID":7,"Amount":1}', 400, 'invalid-request', 'WalletID: must be a string'],
    [
      'three fraction digits',
      '{"WalletID":"w1","Amount":1.234}',
      400,
      'invalid-amount',
      'Amount has 3 fraction digits; at most 2 are allowed (amounts are never rounded).',
    ],
    [
      'a zero amount',
      '{"WalletID":"w1","Amount":0}',
      400,
      'invalid-amount',
      'Amount must be greater than 0.',
    ],
    ['a negative amount', '{"WalletID":"w1","Amount":-5}', 400, 'invalid-amount'],
    ['an exponent string', '{"WalletID":"w1","Amount":"1e3"}', 400, 'invalid-amount'],
    ['a decimal string with a leading blank', '{"WalletID":"w1","Amount":" 5"}', 400, 'invalid-amount'],
    ['a decimal string with a trailing blank', '{"WalletID":"w1","Amount":"5 "}', 400, 'invalid-amount'],
    ['an amount over the limit', '{"WalletID":"w1","Amount":1e13}', 400, 'invalid-amount'],
    ['a bad wallet id', '{"WalletID":"a b","Amount":1}', 400, 'invalid-wallet-id'],
    ['a 129-character wallet id', `{"WalletID":"${'a'.repeat(129)}","Amount":1}`, 400, 'invalid-wallet-id'],
  ])('answers %s with a problem+json %i and writes nothing', async (_name, body, status, code, detail) => {
    const response = await post(body);
    expect(response.statusCode).toBe(status);
    const problem = problemOf(response);
    expect(problem).toMatchObject({ type: `/problems/${code}`, status, instance: 'req-1' });
    if (detail !== undefined) expect(problem.detail).toBe(detail);
    expect(store.eventCount()).toBe(0);
  });

  it('answers a missing body with 400 missing-body', async () => {
    const response = await handler()(httpEvent({ method: 'POST', path: '/deposit' }), lambdaContext);
    expect(response.statusCode).toBe(400);
    expect(problemOf(response).type).toBe('/problems/missing-body');
  });

  it('answers a body over 64 KiB (here 256 KiB) with 413', async () => {
    const response = await post(`{"WalletID":"w1","Amount":1,"pad":"${'x'.repeat(256 * 1024)}"}`);
    expect(response.statusCode).toBe(413);
    expect(problemOf(response).type).toBe('/problems/body-too-large');
  });

  it('answers an invalid Idempotency-Key with 400 and writes nothing', async () => {
    const response = await post({ WalletID: 'w1', Amount: 1 }, { 'Idempotency-Key': 'has space' });
    expect(response.statusCode).toBe(400);
    expect(problemOf(response).type).toBe('/problems/invalid-idempotency-key');
    expect(store.eventCount()).toBe(0);
  });

  it('answers an unexpected error with a bare 500: no message, no stack, the error logged', async () => {
    const logged = vi.spyOn(logger, 'error');
    const secret = new Error('connect ECONNREFUSED 10.0.0.7:8000 table tally-prod');
    store.head = async () => {
      throw secret;
    };
    const response = await post({ WalletID: 'w1', Amount: 1 });
    expect(response.statusCode).toBe(500);
    expect(problemOf(response)).toEqual({
      type: '/problems/internal',
      title: 'Internal error',
      status: 500,
      detail:
        'The request failed on our side and changed nothing it had not acknowledged. Quote the instance id.',
      instance: 'req-1',
    });
    expect(response.body).not.toContain('ECONNREFUSED');
    expect(response.body).not.toContain('tally-prod');
    expect(response.body).not.toMatch(/\bat .*\(.*:\d+:\d+\)/);
    expect(logged).toHaveBeenCalledWith('Unhandled error', { error: secret });
    logged.mockRestore();
  });
});
