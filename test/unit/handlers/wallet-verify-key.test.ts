import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import { describe, expect, it } from 'vitest';
import type { VerifyDeps } from '#app/queries/verify.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import { makeWalletsHandler } from '#handlers/wallets.ts';
import { problemErrors } from '#http/middleware.ts';
import { apiRequest } from '../../support/api-request.ts';
import { lambdaContext } from '../../support/http.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';

/**
 * The checkpoint key is a Secrets Manager read in AWS: only /verify may load it, so a cold
 * `GET /wallets/{id}` (or /points, /events) never pays for it, nor fails when the secret cannot be read.
 */
const CONFIG: ThresholdConfig = { thresholdMinor: 1_000_000n, windowMs: 120_000, retainMax: 16 };

function setUp() {
  const store = new InMemoryEventStore();
  const loads: string[] = [];
  const checkpoints = async (): Promise<VerifyDeps['checkpoints']> => {
    loads.push('key');
    throw new Error('secret unreachable');
  };
  const handler = middy(
    makeWalletsHandler(async () => ({
      stores: { events: store, readModels: store },
      config: CONFIG,
      checkpoints,
    })),
  ).use(problemErrors(new Logger({ serviceName: 'tally-test', logLevel: 'SILENT' })));
  const get = (route: '' | '/events' | '/points' | '/verify') =>
    handler(
      apiRequest({
        method: 'GET',
        route: `/wallets/{wallet_id}${route}`,
        path: `/wallets/w1${route}`,
        pathParameters: { wallet_id: 'w1' },
      }),
      lambdaContext,
    );
  return { loads, get };
}

describe('the checkpoint key is loaded by /verify only', () => {
  it('is not loaded by the balance, points and events reads', async () => {
    const { loads, get } = setUp();
    for (const route of ['', '/events', '/points'] as const) {
      const response = await get(route);
      expect(response.statusCode).toBe(404); // no such wallet, answered without the key
    }
    expect(loads).toEqual([]);
  });

  it('is loaded by /verify, where a key that cannot be read fails the request', async () => {
    const { loads, get } = setUp();
    const response = await get('/verify');
    expect(response.statusCode).toBe(500);
    expect(loads).toEqual(['key']);
  });
});
