import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { projectWallet } from '#app/wallet-projection.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import type { WalletEvent } from '#domain/wallet.ts';
import { makeWalletsHandler } from '#handlers/wallets.ts';
import { problemErrors } from '#http/middleware.ts';
import { apiRequest } from '../../support/api-request.ts';
import { lambdaContext } from '../../support/http.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';

const logger = new Logger({ serviceName: 'tally-test', logLevel: 'SILENT' });
const CONFIG: ThresholdConfig = { thresholdMinor: 1_000_000n, windowMs: 120_000, retainMax: 16 };
const T0 = Date.parse('2026-11-22T10:00:00.000Z');

let store: InMemoryEventStore;
let nowMs: number;

beforeEach(() => {
  store = new InMemoryEventStore({ pageSize: 3 });
  nowMs = T0;
});

const handler = () =>
  middy(
    makeWalletsHandler(async () => ({
      stores: { events: store, readModels: store },
      config: CONFIG,
      clock: { nowMs: () => nowMs },
    })),
  ).use(problemErrors(logger));

interface Position {
  balance: number | string;
  held: number | string;
  available: number | string;
}

async function assets(): Promise<{ money: Position; points: Position }> {
  const event = apiRequest({
    method: 'GET',
    route: '/wallets/{wallet_id}',
    path: '/wallets/w1',
    pathParameters: { wallet_id: 'w1' },
  });
  const response = await handler()(event, lambdaContext);
  expect(response.statusCode, response.body).toBe(200);
  return (JSON.parse(response.body) as { assets: { money: Position; points: Position } }).assets;
}

async function append(...events: WalletEvent[]): Promise<void> {
  const head = await store.head('w1', 0);
  const outcome = await store.append({
    walletId: 'w1',
    lane: 0,
    expected: head,
    events: events.map((event, index) => ({
      ...event,
      eventId: `e${head.version + index + 1}`,
      recordedAtMs: T0,
    })),
  });
  expect(outcome.kind).toBe('appended');
}

const hold = (
  holdId: string,
  asset: 'money' | 'points',
  amount: bigint,
  expiresAtMs: number,
): WalletEvent => ({
  type: 'HoldPlaced',
  data: { holdId, asset, amount, expiresAtMs, occurredAtMs: T0 },
});

describe('GET /wallets/{id}: a hold past its expiry reads as released before the sweep runs', () => {
  beforeEach(async () => {
    await append(
      { type: 'Deposited', data: { amountMinor: 10_000n, occurredAtMs: T0 } },
      {
        type: 'TransferredIn',
        data: { transferId: 't1', asset: 'points', amount: 500n, from: 'w2', occurredAtMs: T0 },
      },
      hold('h-money', 'money', 3_000n, T0 + 60_000),
      hold('h-points', 'points', 200n, T0 + 120_000),
    );
  });

  it('counts a hold as held until its expiry, and as released from then on, asset by asset', async () => {
    expect(await assets()).toMatchObject({
      money: { held: 30, available: 70 },
      points: { held: 200, available: 300 },
    });
    nowMs = T0 + 60_000;
    expect(await assets()).toMatchObject({
      money: { balance: 100, held: 0, available: 100 },
      points: { held: 200, available: 300 },
    });
    nowMs = T0 + 120_000;
    expect((await assets()).points).toMatchObject({ held: 0, available: 500 });
  });

  it('answers, before the sweep, what the view holds after the sweep (and from the projected view too)', async () => {
    nowMs = T0 + 120_000;
    const before = await assets();
    await append(
      {
        type: 'HoldReleased',
        data: { holdId: 'h-money', asset: 'money', amount: 3_000n, reason: 'expired', occurredAtMs: nowMs },
      },
      {
        type: 'HoldReleased',
        data: { holdId: 'h-points', asset: 'points', amount: 200n, reason: 'expired', occurredAtMs: nowMs },
      },
    );
    expect(await assets()).toEqual(before);
    await projectWallet(store, store, 'w1', CONFIG);
    expect(await assets()).toEqual(before);
  });

  it('does not release a captured hold twice', async () => {
    await append({
      type: 'HoldCaptured',
      data: { holdId: 'h-money', asset: 'money', amount: 1_000n, released: 2_000n, occurredAtMs: T0 },
    });
    nowMs = T0 + 600_000;
    expect((await assets()).money).toMatchObject({ balance: 90, held: 0, available: 90 });
  });
});
