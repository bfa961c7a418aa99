import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventSk, walletPk } from '../../functions/adapters/dynamodb/table-layout/keys.ts';
import type { LocalRuntime } from '../../functions/local/runtime.ts';
import { startTestRuntime, testDocumentClient } from '../support/local.ts';

let runtime: LocalRuntime;
beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(async () => {
  await runtime?.stop();
});

async function deposit(walletId: string, amount: string): Promise<{ Lane: number; Version: number }> {
  const response = await fetch(`${runtime.url}/deposit`, {
    method: 'POST',
    body: JSON.stringify({ WalletID: walletId, Amount: amount }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { Lane: number; Version: number };
}

const getJson = async (path: string) => {
  const response = await fetch(`${runtime.url}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe('GET /wallets/{id}/verify (tamper evidence)', () => {
  it('answers ok for an untouched log', async () => {
    for (const amount of ['1', '2', '3']) await deposit('audited', amount);
    const { status, body } = await getJson('/wallets/audited/verify');
    expect(status).toBe(200);
    expect(body).toEqual({ walletId: 'audited', ok: true, lanes: 1, events: 3 });
  });

  it('reports the first broken version after an event item is edited directly in the table', async () => {
    for (const amount of ['10', '20', '30']) await deposit('tampered', amount);
    await testDocumentClient().send(
      new UpdateCommand({
        TableName: runtime.tableName,
        Key: { pk: walletPk('tampered'), sk: eventSk(0, 2) },
        UpdateExpression: 'SET #data.amountMinor = :amount',
        ExpressionAttributeNames: { '#data': 'data' },
        ExpressionAttributeValues: { ':amount': 999_999n },
      }),
    );
    const { status, body } = await getJson('/wallets/tampered/verify');
    expect(status).toBe(200);
    expect(body).toMatchObject({ walletId: 'tampered', ok: false, lane: 0, version: 2, eventsChecked: 1 });
    expect(String(body.reason)).toContain('hash');
  });

  it('reports a deleted event as the first missing version', async () => {
    for (const amount of ['1', '1', '1']) await deposit('holed', amount);
    await testDocumentClient().send(
      new DeleteCommand({ TableName: runtime.tableName, Key: { pk: walletPk('holed'), sk: eventSk(0, 2) } }),
    );
    const { body } = await getJson('/wallets/holed/verify');
    expect(body).toMatchObject({ ok: false, lane: 0, version: 2 });
  });

  it('answers 404 for a wallet with no events', async () => {
    expect((await getJson('/wallets/nobody-here/verify')).status).toBe(404);
  });
});

describe('GET /wallets/{id}?asOf=', () => {
  it('answers from the log as of a version and as of a time', async () => {
    await deposit('history', '100');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const between = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await deposit('history', '50.25');

    expect((await getJson('/wallets/history')).body).toMatchObject({ balance: 150.25, version: 2 });
    expect((await getJson('/wallets/history?asOf=1')).body).toMatchObject({
      balance: 100,
      version: 1,
      asOf: '1',
    });
    expect((await getJson(`/wallets/history?asOf=${between}`)).body).toMatchObject({
      balance: 100,
      version: 1,
    });
    expect((await getJson('/wallets/history?asOf=2000-01-01T00:00:00Z')).status).toBe(404);
    expect((await getJson('/wallets/history?asOf=yesterday')).status).toBe(400);
  });
});
