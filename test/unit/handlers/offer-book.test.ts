import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import { describe, expect, it } from 'vitest';
import { defaultRetryPolicy } from '#app/command-handler.ts';
import { openOffer } from '#app/offers.ts';
import { makeOffersHandler } from '#handlers/offers.ts';
import { problemErrors } from '#http/middleware.ts';
import { apiRequest, expectProblem } from '../../support/api-request.ts';
import { lambdaContext } from '../../support/http.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';

const logger = new Logger({ serviceName: 'tally-test', logLevel: 'SILENT' });
const T0 = Date.parse('2026-12-01T10:00:00.000Z');
let ids = 0;
const store = new InMemoryEventStore();
const deps = {
  store,
  book: store.tradingIndex,
  clock: { nowMs: () => T0 },
  ids: { newId: () => `id${++ids}` },
  retry: { ...defaultRetryPolicy, sleep: async () => {} },
};
const handler = middy(makeOffersHandler(() => deps)).use(problemErrors(logger));

const list = (query?: Record<string, string>) =>
  handler(
    apiRequest({
      method: 'GET',
      route: '/offers',
      path: '/offers',
      ...(query === undefined ? {} : { query }),
    }),
    lambdaContext,
  );

async function open(priceMinor: bigint) {
  const outcome = await openOffer(deps, {
    seller: 'seller',
    asset: 'points',
    amount: 100n,
    price: { asset: 'money', amount: priceMinor },
    expiresInMs: 60_000,
    idempotency: { key: `k${++ids}`, payloadHash: 'h' },
    respond: (offer) => ({ statusCode: 201, body: offer.offerId }),
  });
  if (outcome.kind !== 'recorded') throw new Error(outcome.kind);
  return outcome.response.body;
}

describe('GET /offers', () => {
  it('answers a page of the open book with an opaque cursor to the next, in the offers JSON', async () => {
    await store.append({
      walletId: 'seller',
      lane: 1,
      expected: { version: 0, hash: '' },
      events: [
        {
          type: 'TransferredIn',
          data: { transferId: 'mint', asset: 'points', amount: 1_000n, from: 'mint', occurredAtMs: 0 },
          eventId: 'mint',
          recordedAtMs: 0,
        },
      ],
    });
    const dear = await open(250n);
    const cheap = await open(150n);
    const first = await list({ limit: '1' });
    expect(first.statusCode).toBe(200);
    const body = JSON.parse(first.body) as { offers: Record<string, unknown>[]; nextCursor: string | null };
    expect(body.offers).toEqual([
      {
        offerId: cheap,
        seller: 'seller',
        asset: 'points',
        amount: 100,
        price: { asset: 'money', amount: 1.5 },
        status: 'open',
        expiresAt: new Date(T0 + 60_000).toISOString(),
      },
    ]);
    expect(body.nextCursor).toEqual(expect.any(String));
    const second = JSON.parse((await list({ limit: '1', cursor: body.nextCursor as string })).body);
    expect(second.offers.map((offer: { offerId: string }) => offer.offerId)).toEqual([dear]);
    expect(second.nextCursor).toBeNull();
    // The cursor belongs to the open points book.
    expectProblem(
      await list({ status: 'filled', cursor: body.nextCursor as string }),
      400,
      '/problems/invalid-cursor',
    );
  });

  it.each([
    [{ asset: 'gold' }, '/problems/invalid-asset'],
    [{ status: 'pending' }, '/problems/invalid-status'],
    [{ limit: '0' }, '/problems/invalid-limit'],
    [{ limit: '201' }, '/problems/invalid-limit'],
    [{ limit: ' 5' }, '/problems/invalid-limit'],
    [{ limit: '1.5' }, '/problems/invalid-limit'],
    [{ cursor: 'not-a-cursor' }, '/problems/invalid-cursor'],
    [{ stauts: 'open' }, '/problems/invalid-query'],
  ])('answers %j with a 400 problem', async (query, type) => {
    expectProblem(await list(query), 400, type);
  });
});
