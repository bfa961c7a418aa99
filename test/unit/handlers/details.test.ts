import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { HeadCache } from '#app/head-cache.ts';
import { projectWallet } from '#app/wallet-projection.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import { makeDepositHandler } from '#handlers/deposit.ts';
import { makeDetailsHandler } from '#handlers/details.ts';
import { problemErrors } from '#http/middleware.ts';
import { httpEvent, lambdaContext, problemOf } from '../../support/http.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';

const CONFIG: ThresholdConfig = { thresholdMinor: 1_000_000n, windowMs: 120_000, retainMax: 200 };
const logger = new Logger({ serviceName: 'tally-test', logLevel: 'SILENT' });

let store: InMemoryEventStore;
let nowMs: number;

beforeEach(() => {
  store = new InMemoryEventStore();
  nowMs = 1_700_000_000_000;
});

let ids = 0;
const deposit = middy(
  makeDepositHandler(() => ({
    store,
    clock: { nowMs: () => nowMs },
    ids: { newId: () => `evt-${++ids}` },
    heads: new HeadCache(),
  })),
).use(problemErrors(logger));
const details = middy(
  makeDetailsHandler(async () => ({ stores: { events: store, readModels: store }, config: CONFIG })),
).use(problemErrors(logger));

async function post(walletId: string, amount: number | string, atMs: number) {
  nowMs = atMs;
  const response = await deposit(
    httpEvent({
      method: 'POST',
      path: '/deposit',
      body: JSON.stringify({ WalletID: walletId, Amount: amount }),
    }),
    lambdaContext,
  );
  expect(response.statusCode).toBe(201);
}

const get = (walletId: string | undefined) =>
  details(
    httpEvent({
      method: 'GET',
      path: `/details/${walletId}`,
      ...(walletId === undefined ? {} : { pathParameters: { wallet_id: walletId } }),
    }),
    lambdaContext,
  );

describe('GET /details/{wallet_id}', () => {
  it('answers the original service JSON exactly', async () => {
    await post('w1', 8000, 0);
    await post('w1', '2000.01', 119_999);
    expect(await get('w1')).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"WalletID":"w1","Balance":10000.01,"AboveThreshold":true}',
    });
  });

  it('is not above the threshold at exactly 10,000, nor when the first deposit left the window', async () => {
    await post('w1', 8000, 0);
    await post('w1', 2000, 1_000);
    await post('w2', 8000, 0);
    await post('w2', 2000.01, 120_000);
    expect((await get('w1')).body).toBe('{"WalletID":"w1","Balance":10000,"AboveThreshold":false}');
    expect((await get('w2')).body).toBe('{"WalletID":"w2","Balance":10000.01,"AboveThreshold":false}');
  });

  it('shows 0.1 + 0.2 deposited as exactly 0.3', async () => {
    await post('w1', 0.1, 0);
    await post('w1', 0.2, 1);
    expect((await get('w1')).body).toBe('{"WalletID":"w1","Balance":0.3,"AboveThreshold":false}');
  });

  it('reflects deposits the projector has not applied yet', async () => {
    await post('w1', 1, 0);
    await projectWallet(store, store, 'w1', CONFIG);
    await post('w1', 2, 1);
    expect((await get('w1')).body).toBe('{"WalletID":"w1","Balance":3,"AboveThreshold":false}');
    // Reading does not write: the stored view is still the projector's.
    expect((await store.getView('w1'))?.eventCount).toBe(1);
  });

  it('answers 404 problem+json for a wallet without deposits', async () => {
    const response = await get('nobody');
    expect(response.statusCode).toBe(404);
    expect(problemOf(response)).toEqual({
      type: '/problems/wallet-not-found',
      title: 'Not found',
      status: 404,
      detail: 'Wallet nobody has no deposits.',
      instance: 'req-1',
    });
  });

  it.each([['a b'], ['-w'], ['a'.repeat(129)]])('answers 400 invalid-wallet-id for %j', async (walletId) => {
    const response = await get(walletId);
    expect(response.statusCode).toBe(400);
    expect(problemOf(response)).toMatchObject({ type: '/problems/invalid-wallet-id', status: 400 });
  });

  it('answers 400 when the path parameter is missing', async () => {
    const response = await get(undefined);
    expect(response.statusCode).toBe(400);
    expect(problemOf(response).type).toBe('/problems/invalid-wallet-id');
  });

  it('answers a store failure with a bare 500', async () => {
    const fail = () => {
      throw new Error('ProvisionedThroughputExceededException: table tally-prod');
    };
    store.read = fail;
    store.head = fail;
    store.tailAndLanes = fail;
    const response = await get('w1');
    expect(response.statusCode).toBe(500);
    expect(problemOf(response).type).toBe('/problems/internal');
    expect(response.body).not.toContain('tally-prod');
  });

  it('reads the threshold in the same wait as the view and the lanes, not before them', async () => {
    await post('w-one-wait', 5, nowMs);
    const sent: string[] = [];
    let answered = false;
    const counted = new Proxy(store, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          sent.push(`${String(name)}${answered ? ' after the threshold' : ''}`);
          return value.apply(target, args);
        };
      },
    });
    // The rule-set read, answered a moment later: the view's reads go out before it answers. Its
    // threshold (4) is the one the view is folded under.
    const threshold = async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      answered = true;
      return { ...CONFIG, thresholdMinor: 400n };
    };
    const handler = middy(
      makeDetailsHandler(async () => ({
        stores: { events: counted, readModels: counted },
        config: threshold,
      })),
    ).use(problemErrors(logger));
    const response = await handler(
      httpEvent({ method: 'GET', path: '/details/w-one-wait', pathParameters: { wallet_id: 'w-one-wait' } }),
      lambdaContext,
    );
    expect(JSON.parse(response.body)).toEqual({ WalletID: 'w-one-wait', Balance: 5, AboveThreshold: true });
    expect(sent.slice(0, 2).sort()).toEqual(['getView', 'tailAndLanes']);
  });
});
