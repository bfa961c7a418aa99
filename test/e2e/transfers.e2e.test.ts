import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../functions/local/runtime.ts';
import { startTestRuntime } from '../support/local.ts';

/**
 * Transfers end to end: real HTTP against the local runtime (the handlers API Gateway calls,
 * DynamoDB Local, two wallets' events in one TransactWriteItems).
 */
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime();
});

afterAll(async () => {
  await runtime?.stop();
});

const unique = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;

async function deposit(walletId: string, amount: string): Promise<void> {
  const response = await fetch(`${runtime.url}/deposit`, {
    method: 'POST',
    body: `{"WalletID":${JSON.stringify(walletId)},"Amount":${amount}}`,
  });
  expect(response.status, await response.clone().text()).toBe(201);
}

async function transfer(body: unknown, key: string | null = randomUUID()) {
  const response = await fetch(`${runtime.url}/transfers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key === null ? {} : { 'idempotency-key': key }) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as Record<string, unknown> };
}

async function wallet(walletId: string) {
  const response = await fetch(`${runtime.url}/wallets/${walletId}`);
  expect(response.status).toBe(200);
  return (await response.json()) as {
    balance: number;
    version: number;
    assets: Record<'money' | 'points', { balance: number; held: number; available: number }>;
  };
}

async function details(walletId: string): Promise<string> {
  return (await fetch(`${runtime.url}/details/${walletId}`)).text();
}

describe('POST /transfers', { timeout: 60_000 }, () => {
  it('moves money from w1 to w2: 201, both balances move, /details shows the money balance', async () => {
    const [w1, w2] = [unique('w1'), unique('w2')];
    await deposit(w1, '100.50');
    const moved = await transfer({ from: w1, to: w2, asset: 'money', amount: '40.25', memo: 'rent' });
    expect(moved.status, moved.text).toBe(201);
    expect(moved.body).toEqual({
      transferId: expect.any(String),
      from: w1,
      to: w2,
      asset: 'money',
      amount: 40.25,
      status: 'completed',
    });
    expect((await wallet(w1)).assets.money).toEqual({ balance: 60.25, held: 0, available: 60.25 });
    expect((await wallet(w2)).assets).toEqual({
      money: { balance: 40.25, held: 0, available: 40.25 },
      points: { balance: 0, held: 0, available: 0 },
    });
    expect(await details(w1)).toBe(`{"WalletID":"${w1}","Balance":60.25,"AboveThreshold":false}`);
    const events = (await (await fetch(`${runtime.url}/wallets/${w2}/events`)).json()) as {
      events: { type: string; data: Record<string, unknown> }[];
    };
    expect(events.events.map((event) => event.type)).toEqual(['TransferredIn']);
    expect(events.events[0]?.data).toMatchObject({ from: w1, amount: '40.25', memo: 'rent' });
  });

  it('lists the movements newest first, page by page: GET /wallets/{id}/transactions', async () => {
    const [w1, w2] = [unique('w1'), unique('w2')];
    await deposit(w1, '100.50');
    expect((await transfer({ from: w1, to: w2, asset: 'money', amount: '40.25' })).status).toBe(201);
    const page = async (query: string) =>
      (await (await fetch(`${runtime.url}/wallets/${w1}/transactions${query}`)).json()) as {
        transactions: { kind: string; amount: string; counterparty: string | null; type: string }[];
        nextCursor: string | null;
      };
    const all = await page('');
    expect(all.transactions.map(({ kind, amount, counterparty }) => [kind, amount, counterparty])).toEqual([
      ['transfer-out', '-40.25', w2],
      ['deposit', '100.5', null],
    ]);
    const first = await page('?limit=1');
    expect(first.transactions.map((line) => line.kind)).toEqual(['transfer-out']);
    expect(first.nextCursor).not.toBeNull();
    const second = await page(`?limit=1&cursor=${first.nextCursor}`);
    expect(second.transactions.map((line) => line.kind)).toEqual(['deposit']);
    expect(second.nextCursor).toBeNull();
  });

  it('refuses more than available with 409 /insufficient-funds and writes nothing', async () => {
    const [w1, w2] = [unique('w1'), unique('w2')];
    await deposit(w1, '10');
    const before = await wallet(w1);
    const refused = await transfer({ from: w1, to: w2, asset: 'money', amount: 10.01 });
    expect(refused.status, refused.text).toBe(409);
    expect(String(refused.body.type)).toMatch(/\/insufficient-funds$/);
    expect(await wallet(w1)).toEqual(before);
    expect((await fetch(`${runtime.url}/wallets/${w2}`)).status).toBe(404);
  });

  it('answers a retry with the same key and body as the first time, and writes nothing new; 422 for another body', async () => {
    const [w1, w2] = [unique('w1'), unique('w2')];
    await deposit(w1, '50');
    const key = randomUUID();
    const body = { from: w1, to: w2, asset: 'money', amount: 20 };
    const first = await transfer(body, key);
    expect(first.status).toBe(201);
    const again = await transfer(body, key);
    expect(again.status).toBe(201);
    expect(again.text).toBe(first.text);
    expect((await wallet(w1)).assets.money.balance).toBe(30);
    expect((await wallet(w2)).version).toBe(1);
    const reused = await transfer({ ...body, amount: 21 }, key);
    expect(reused.status).toBe(422);
    expect(String(reused.body.type)).toMatch(/\/idempotency-key-reused$/);
    expect((await wallet(w1)).assets.money.balance).toBe(30);
  });

  it.each([
    ['from == to', { from: 'same', to: 'same', asset: 'money', amount: 1 }],
    ['zero', { from: 'a1', to: 'a2', asset: 'money', amount: 0 }],
    ['negative', { from: 'a1', to: 'a2', asset: 'points', amount: -5 }],
    ['non-integer points', { from: 'a1', to: 'a2', asset: 'points', amount: 1.5 }],
    ['unknown asset', { from: 'a1', to: 'a2', asset: 'gold', amount: 1 }],
    ['money with three decimals', { from: 'a1', to: 'a2', asset: 'money', amount: '0.001' }],
  ])('answers 400 for %s', async (_name, body) => {
    const refused = await transfer(body);
    expect(refused.status, refused.text).toBe(400);
  });

  it('answers 400 without an Idempotency-Key', async () => {
    const refused = await transfer({ from: 'a1', to: 'a2', asset: 'money', amount: 1 }, null);
    expect(refused.status).toBe(400);
  });

  it('of 32 concurrent transfers out of a wallet that can afford 10, exactly 10 succeed; balances are conserved', async () => {
    const payer = unique('payer');
    const payees = Array.from({ length: 4 }, (_, index) => unique(`payee${index}`));
    await deposit(payer, '100');
    const results = await Promise.all(
      Array.from({ length: 32 }, (_, index) =>
        transfer({ from: payer, to: payees[index % payees.length], asset: 'money', amount: 10 }),
      ),
    );
    const statuses = results.map((result) => result.status);
    expect(
      statuses.filter((status) => status === 201),
      statuses.join(' '),
    ).toHaveLength(10);
    expect(statuses.filter((status) => status === 409)).toHaveLength(22);
    expect((await wallet(payer)).assets.money).toEqual({ balance: 0, held: 0, available: 0 });
    let received = 0;
    for (const payee of payees) {
      const response = await fetch(`${runtime.url}/wallets/${payee}`);
      if (response.status === 200) received += ((await response.json()) as { balance: number }).balance;
    }
    expect(received).toBe(100);
  }, 120_000);
});
