import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TallyClient, tallyClient } from '../../functions/client/api-client.ts';
import type { LocalRuntime } from '../../functions/local/runtime.ts';
import { startTestRuntime } from '../support/local.ts';

/**
 * The contract's consumer: the client generated from openapi/openapi.json, against the local
 * runtime. Calls type-check against the document; answers are checked against it again at run
 * time (startTestRuntime), so neither side can drift.
 */
let runtime: LocalRuntime;
let tally: TallyClient;

beforeAll(async () => {
  runtime = await startTestRuntime();
  tally = tallyClient(runtime.url);
});

afterAll(async () => {
  await runtime?.stop();
});

const wallet = (wallet_id: string) => ({ params: { path: { wallet_id } } });

describe('the typed client', () => {
  it('deposits, then reads the balance in both shapes', async () => {
    const created = await tally.POST('/deposit', { body: { WalletID: 'client-1', Amount: '12.34' } });
    expect(created.response.status).toBe(201);
    expect(created.data?.Amount).toBe(12.34);

    const details = await tally.GET('/details/{wallet_id}', wallet('client-1'));
    expect(details.data).toEqual({ WalletID: 'client-1', Balance: 12.34, AboveThreshold: false });

    const view = await tally.GET('/wallets/{wallet_id}', wallet('client-1'));
    expect(view.data?.assets.money).toEqual({ balance: 12.34, held: 0, available: 12.34 });
  });

  it('transfers with an Idempotency-Key, and gets the problem back on a refusal', async () => {
    await tally.POST('/deposit', { body: { WalletID: 'client-2', Amount: 10 } });
    const moved = await tally.POST('/transfers', {
      params: { header: { 'Idempotency-Key': 'client-t1' } },
      body: { from: 'client-2', to: 'client-3', asset: 'money', amount: '4.00' },
    });
    expect(moved.data?.status).toBe('completed');

    const refused = await tally.POST('/transfers', {
      params: { header: { 'Idempotency-Key': 'client-t2' } },
      body: { from: 'client-2', to: 'client-3', asset: 'money', amount: '100.00' },
    });
    expect(refused.response.status).toBe(409);
    expect(refused.error?.type).toMatch(/\/problems\/insufficient-funds$/);
  });

  it('reads a wallet bitemporally: knownAt before its first deposit is a 404, after it the balance', async () => {
    await tally.POST('/deposit', { body: { WalletID: 'client-4', Amount: 3 } });
    const before = await tally.GET('/wallets/{wallet_id}', {
      params: { path: { wallet_id: 'client-4' }, query: { knownAt: '2000-01-01T00:00:00Z' } },
    });
    expect(before.response.status).toBe(404);
    const later = await tally.GET('/wallets/{wallet_id}', {
      params: {
        path: { wallet_id: 'client-4' },
        query: { asOf: '2999-01-01T00:00:00Z', knownAt: '2999-01-01T00:00:00Z' },
      },
    });
    expect(later.data).toMatchObject({
      balance: 3,
      asOf: '2999-01-01T00:00:00Z',
      knownAt: '2999-01-01T00:00:00Z',
    });
  });

  it('reads the contract it was generated from', async () => {
    const { data } = await tally.GET('/openapi.json');
    expect(data?.openapi).toMatch(/^3\.1\./);
  });
});
