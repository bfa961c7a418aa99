import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../functions/local/runtime.ts';
import { startTestRuntime } from '../support/local.ts';

/**
 * The offer book end to end: the seller's points held by the offer, an accept moving the buyer's
 * money to the seller and the held points to the buyer in one transaction.
 */
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime();
});

afterAll(async () => {
  await runtime?.stop();
});

const unique = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;

async function call(method: string, path: string, body?: unknown, key: string = randomUUID()) {
  const response = await fetch(`${runtime.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as Record<string, unknown> };
}

async function assets(walletId: string) {
  const response = await fetch(`${runtime.url}/wallets/${walletId}`);
  if (response.status === 404) return undefined;
  return ((await response.json()) as { assets: Record<string, { balance: number; held: number }> }).assets;
}

/** A seller with 250 points and a buyer with money. */
async function market(buyerMoney: number) {
  const [seller, buyer] = [unique('seller'), unique('buyer')];
  // Points come from rules; here a CloudEvent the shipped rules reward (answer_is_liked: 250).
  const liked = await fetch(`${runtime.url}/events`, {
    method: 'POST',
    body: JSON.stringify({
      specversion: '1.0',
      id: randomUUID(),
      source: 'qa',
      type: 'answer_is_liked',
      subject: seller,
    }),
  });
  expect(liked.status).toBeLessThan(300);
  for (let attempt = 0; attempt < 100 && (await assets(seller))?.points?.balance !== 250; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect((await assets(seller))?.points?.balance).toBe(250);
  expect((await call('POST', '/deposit', { WalletID: buyer, Amount: buyerMoney })).status).toBe(201);
  return { seller, buyer };
}

describe('the offer book', () => {
  it('holds the lot, fills it in one transaction, and refuses a second fill', async () => {
    const { seller, buyer } = await market(10);
    const opened = await call('POST', '/offers', {
      seller,
      asset: 'points',
      amount: 200,
      price: { asset: 'money', amount: 5.0 },
      expiresInSeconds: 3600,
    });
    expect(opened.status, opened.text).toBe(201);
    expect(opened.body).toMatchObject({
      seller,
      asset: 'points',
      amount: 200,
      price: { asset: 'money', amount: 5 },
      status: 'open',
    });
    expect((await assets(seller))?.points).toEqual({ balance: 250, held: 200, available: 50 });

    const offerId = String(opened.body.offerId);
    const filled = await call('POST', `/offers/${offerId}/accept`, { buyer });
    expect(filled.status, filled.text).toBe(200);
    expect(filled.body).toMatchObject({ status: 'filled', buyer });
    expect(await assets(seller)).toEqual({
      money: { balance: 5, held: 0, available: 5 },
      points: { balance: 50, held: 0, available: 50 },
    });
    expect(await assets(buyer)).toEqual({
      money: { balance: 5, held: 0, available: 5 },
      points: { balance: 200, held: 0, available: 200 },
    });
    const again = await call('POST', `/offers/${offerId}/accept`, { buyer });
    expect(again.status).toBe(409);
    expect(String(again.body.type)).toMatch(/\/offer-not-open$/);
    const read = await call('GET', `/offers/${offerId}`);
    expect(read.body).toMatchObject({ status: 'filled', buyer });
    expect((read.body.history as { type: string }[]).map((e) => e.type)).toEqual([
      'HoldPlaced',
      'HoldCaptured',
      'TransferredIn',
    ]);
  });

  it('a buyer short of money gets 409 /insufficient-funds and the offer stays open; cancel releases the lot', async () => {
    const { seller, buyer } = await market(1);
    const opened = await call('POST', '/offers', {
      seller,
      asset: 'points',
      amount: 100,
      price: { asset: 'money', amount: '2.50' },
    });
    const offerId = String(opened.body.offerId);
    const short = await call('POST', `/offers/${offerId}/accept`, { buyer });
    expect(short.status, short.text).toBe(409);
    expect(String(short.body.type)).toMatch(/\/insufficient-funds$/);
    expect((await call('GET', `/offers/${offerId}`)).body.status).toBe('open');
    const cancelled = await call('POST', `/offers/${offerId}/cancel`);
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect((await assets(seller))?.points).toEqual({ balance: 250, held: 0, available: 250 });
    expect((await call('POST', `/offers/${offerId}/accept`, { buyer })).status).toBe(409);
  });

  it('of two buyers at once, exactly one wins', async () => {
    const { seller, buyer } = await market(10);
    const other = unique('buyer2');
    expect((await call('POST', '/deposit', { WalletID: other, Amount: 10 })).status).toBe(201);
    const opened = await call('POST', '/offers', {
      seller,
      asset: 'points',
      amount: 250,
      price: { asset: 'money', amount: 3 },
    });
    const offerId = String(opened.body.offerId);
    const results = await Promise.all([
      call('POST', `/offers/${offerId}/accept`, { buyer }),
      call('POST', `/offers/${offerId}/accept`, { buyer: other }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const points = [(await assets(buyer))?.points?.balance, (await assets(other))?.points?.balance];
    expect(points.sort()).toEqual([0, 250]);
    expect((await assets(seller))?.money?.balance).toBe(3);
  });

  it('answers 404 for an unknown offer and 400 for a lot priced in its own asset', async () => {
    expect((await call('GET', '/offers/nope')).status).toBe(404);
    const same = await call('POST', '/offers', {
      seller: 'w1',
      asset: 'points',
      amount: 1,
      price: { asset: 'points', amount: 1 },
    });
    expect(same.status).toBe(400);
  });
});
