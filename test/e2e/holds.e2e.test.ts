import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../functions/local/runtime.ts';
import { startTestRuntime } from '../support/local.ts';

/** Holds end to end over HTTP: place, capture (part, to another wallet), release, end once. */
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime();
});

afterAll(async () => {
  await runtime?.stop();
});

const unique = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;

async function post(path: string, body?: unknown, key: string = randomUUID()) {
  const response = await fetch(`${runtime.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as Record<string, unknown> };
}

async function money(walletId: string) {
  const response = await fetch(`${runtime.url}/wallets/${walletId}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { assets: { money: unknown } }).assets.money;
}

describe('holds over HTTP', () => {
  it('reserves, captures part to another wallet (the rest released), and ends a hold once', async () => {
    const [w1, w2] = [unique('w1'), unique('w2')];
    expect((await post('/deposit', { WalletID: w1, Amount: 100 })).status).toBe(201);
    const placed = await post(`/wallets/${w1}/holds`, {
      asset: 'money',
      amount: '30.50',
      expiresInSeconds: 600,
    });
    expect(placed.status, placed.text).toBe(201);
    expect(placed.body).toMatchObject({ walletId: w1, asset: 'money', amount: 30.5, status: 'active' });
    expect(await money(w1)).toEqual({ balance: 100, held: 30.5, available: 69.5 });

    // What the hold reserves cannot be spent elsewhere.
    const short = await post('/transfers', { from: w1, to: w2, asset: 'money', amount: 70 });
    expect(short.status, short.text).toBe(409);
    expect(String(short.body.type)).toMatch(/\/insufficient-funds$/);

    const holdId = String(placed.body.holdId);
    const captured = await post(`/wallets/${w1}/holds/${holdId}/capture`, { amount: '10.25', to: w2 });
    expect(captured.status, captured.text).toBe(200);
    expect(captured.body).toMatchObject({ status: 'captured', amount: 10.25, released: 20.25, to: w2 });
    expect(await money(w1)).toEqual({ balance: 89.75, held: 0, available: 89.75 });
    expect(await money(w2)).toEqual({ balance: 10.25, held: 0, available: 10.25 });

    const again = await post(`/wallets/${w1}/holds/${holdId}/release`);
    expect(again.status).toBe(409);
    expect(String(again.body.type)).toMatch(/\/hold-not-active$/);
  });

  it('releases a points hold; over-holding is 409; an unknown hold is 404', async () => {
    const w1 = unique('w1');
    expect((await post('/deposit', { WalletID: w1, Amount: 5 })).status).toBe(201);
    const tooMuch = await post(`/wallets/${w1}/holds`, { asset: 'money', amount: 5.01 });
    expect(tooMuch.status).toBe(409);
    const placed = await post(`/wallets/${w1}/holds`, { asset: 'money', amount: 5 });
    const key = randomUUID();
    const released = await post(`/wallets/${w1}/holds/${String(placed.body.holdId)}/release`, undefined, key);
    expect(released.status, released.text).toBe(200);
    expect(released.body).toMatchObject({ status: 'released', amount: 5 });
    const replay = await post(`/wallets/${w1}/holds/${String(placed.body.holdId)}/release`, undefined, key);
    expect(replay.text).toBe(released.text);
    expect(await money(w1)).toEqual({ balance: 5, held: 0, available: 5 });
    expect((await post(`/wallets/${w1}/holds/nope/capture`)).status).toBe(404);
    expect((await post(`/wallets/${w1}/holds`, { asset: 'points', amount: 1 })).status).toBe(409);
  });
});
