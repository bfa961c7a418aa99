import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../functions/local/runtime.ts';
import { startTestRuntime } from '../support/local.ts';

/**
 * Card accounts end to end: real HTTP against the local runtime (the accounts handler as API
 * Gateway calls it, DynamoDB Local): open, authorize, decline, capture, pay, return, change the
 * limit, read the balance and the transactions; and concurrent authorizers against one limit.
 */
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime();
});

afterAll(async () => {
  await runtime?.stop();
});

const unique = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;

async function post(path: string, body: unknown, key: string | null = randomUUID()) {
  const response = await fetch(`${runtime.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key === null ? {} : { 'idempotency-key': key }) },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    text,
    headers: response.headers,
    body: JSON.parse(text) as Record<string, unknown>,
  };
}

async function get(path: string) {
  const response = await fetch(`${runtime.url}${path}`);
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as Record<string, unknown> };
}

async function open(accountId: string, creditLimit: string) {
  const opened = await post('/accounts', { accountId, creditLimit, currency: 'EUR' });
  expect(opened.status, opened.text).toBe(201);
}

const book = { id: 'm-42', name: 'Book Shop', mcc: '5942' };

describe('card accounts over HTTP', () => {
  it('opens, authorizes, declines, captures, pays, returns, changes the limit; balance and transactions follow', async () => {
    const account = unique('acct');
    await open(account, '1000.00');
    expect((await get(`/accounts/${account}/balance`)).body).toEqual({
      accountId: account,
      creditLimit: 1000,
      balance: 0,
      pending: 0,
      available: 1000,
      currency: 'EUR',
      version: 1,
    });

    const key = randomUUID();
    const approved = await post(
      `/accounts/${account}/authorizations`,
      { amount: 120.5, merchant: book },
      key,
    );
    expect(approved.status, approved.text).toBe(201);
    expect(approved.body).toMatchObject({
      accountId: account,
      amount: 120.5,
      currency: 'EUR',
      decision: 'approved',
      reasons: [],
      ruleSetVersion: 0,
      available: 879.5,
    });
    // Same key, same body: the same decision; same key, another body: 422.
    const again = await post(`/accounts/${account}/authorizations`, { amount: 120.5, merchant: book }, key);
    expect(again.text).toBe(approved.text);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const reused = await post(`/accounts/${account}/authorizations`, { amount: 1, merchant: book }, key);
    expect(reused.status).toBe(422);
    expect((await get(`/accounts/${account}`)).body).toMatchObject({ pending: 120.5, available: 879.5 });

    const declined = await post(`/accounts/${account}/authorizations`, {
      amount: 5000.01,
      merchant: { id: 'casino', mcc: '7995' },
    });
    expect(declined.status, declined.text).toBe(201);
    expect(declined.body).toMatchObject({
      decision: 'declined',
      reasons: ['single-purchase-max', 'blocked-mcc', 'insufficient-credit'],
      available: 879.5,
    });

    const authorizationId = String(approved.body.authorizationId);
    const captured = await post(`/accounts/${account}/authorizations/${authorizationId}/capture`, {
      amount: '100.00',
    });
    expect(captured.status, captured.text).toBe(200);
    expect(captured.body).toMatchObject({ status: 'captured', amount: 100, released: 20.5 });
    const twice = await post(`/accounts/${account}/authorizations/${authorizationId}/void`, {});
    expect(twice.status).toBe(409);
    expect(twice.headers.get('content-type')).toMatch(/problem\+json/);
    expect((await get(`/accounts/${account}/balance`)).body).toMatchObject({
      balance: 100,
      pending: 0,
      available: 900,
    });

    const paid = await post(`/accounts/${account}/payments`, { paymentId: 'p1', amount: 30 });
    expect(paid.status, paid.text).toBe(201);
    expect((await get(`/accounts/${account}/balance`)).body).toMatchObject({ balance: 70, available: 930 });
    const returned = await post(`/accounts/${account}/payments/p1/return`, { reason: 'insufficient funds' });
    expect(returned.status, returned.text).toBe(201);
    expect((await get(`/accounts/${account}/balance`)).body).toMatchObject({ balance: 100, available: 900 });
    const returnedTwice = await post(`/accounts/${account}/payments/p1/return`, { reason: 'again' });
    expect(returnedTwice.status).toBe(409);

    const raised = await post(`/accounts/${account}/credit-limit`, { creditLimit: 1500 });
    expect(raised.status, raised.text).toBe(201);
    expect((await get(`/accounts/${account}/balance`)).body).toMatchObject({
      creditLimit: 1500,
      available: 1400,
    });

    const listed = await get(`/accounts/${account}/transactions?limit=3`);
    expect(listed.status).toBe(200);
    const lines = listed.body.transactions as { kind: string; status?: string }[];
    expect(lines.map((line) => line.kind)).toEqual(['credit-limit-changed', 'payment-return', 'payment']);
    const rest = await get(`/accounts/${account}/transactions?cursor=${String(listed.body.nextCursor)}`);
    const older = rest.body.transactions as { kind: string; status?: string }[];
    expect(older.map((line) => [line.kind, line.status])).toEqual([
      ['capture', undefined],
      ['authorization', 'declined'],
      ['authorization', 'captured'],
      ['account-opened', undefined],
    ]);
    expect(rest.body.nextCursor).toBeNull();
  }, 60_000);

  it('answers problems for bad input and unknown accounts, changing nothing', async () => {
    const unknown = await post(`/accounts/${unique('nobody')}/authorizations`, { amount: 1, merchant: book });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ type: 'https://tally.dev/problems/account-not-found' });
    expect((await get(`/accounts/${unique('nobody')}`)).status).toBe(404);
    const account = unique('acct');
    await open(account, '10');
    for (const body of [
      { amount: -1, merchant: book },
      { amount: '1.001', merchant: book },
      { amount: 1, merchant: { id: 'm', mcc: 'abc' } },
      { amount: 1 },
      { amount: 1, merchant: book, extra: true },
    ]) {
      const refused = await post(`/accounts/${account}/authorizations`, body);
      expect(refused.status, refused.text).toBe(400);
    }
    expect(
      (await post(`/accounts/${account}/authorizations`, { amount: 1, merchant: book }, null)).status,
    ).toBe(400);
    expect((await post('/accounts', { accountId: 'bad id', creditLimit: 1, currency: 'EUR' })).status).toBe(
      400,
    );
    expect((await get(`/accounts/${account}`)).body).toMatchObject({ version: 1, available: 10 });
  });

  it('of 32 concurrent authorizations against a limit that affords 7, exactly 7 are approved', async () => {
    const account = unique('hot');
    await open(account, '50.00');
    // Every decision is recorded in lane 0; a writer that keeps losing the race is told 503 with
    // retry-after, and retries with the same key, as a client would.
    const authorize = async () => {
      const key = randomUUID();
      for (let attempt = 0; attempt < 20; attempt++) {
        const answer = await post(`/accounts/${account}/authorizations`, { amount: 7, merchant: book }, key);
        if (answer.status !== 503) return answer;
      }
      throw new Error('still contended after 20 attempts');
    };
    const answers = await Promise.all(Array.from({ length: 32 }, authorize));
    expect(answers.map((answer) => answer.status)).toEqual(Array(32).fill(201));
    const decisions = answers.map((answer) => answer.body.decision);
    expect(decisions.filter((decision) => decision === 'approved')).toHaveLength(7);
    expect(decisions.filter((decision) => decision === 'declined')).toHaveLength(25);
    expect((await get(`/accounts/${account}/balance`)).body).toMatchObject({
      pending: 49,
      available: 1,
      version: 33,
    });
  }, 120_000);
});
