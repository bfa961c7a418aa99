import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VIEW_SK, walletPk } from '../../functions/adapters/dynamodb/table-layout/keys.ts';
import type { LocalRuntime } from '../../functions/local/runtime.ts';
import { startTestRuntime, testDocumentClient } from '../support/local.ts';

const TOKEN = 'replay-admin';
let runtime: LocalRuntime;
beforeAll(async () => {
  runtime = await startTestRuntime({ env: { TALLY_ADMIN_TOKEN: TOKEN } });
});
afterAll(async () => {
  await runtime?.stop();
});

const replay = (body: unknown, token: string | null = TOKEN) =>
  fetch(`${runtime.url}/replay`, {
    method: 'POST',
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });

describe('POST /replay (one wallet)', () => {
  it('finds a read model that drifted from the log, shows the fix on a dry run, and repairs it', async () => {
    for (const amount of ['100', '0.5']) {
      const response = await fetch(`${runtime.url}/deposit`, {
        method: 'POST',
        body: JSON.stringify({ WalletID: 'drifted', Amount: amount }),
      });
      expect(response.status).toBe(201);
    }
    await runtime.whenProjected();
    // Damage the projection (not the log) by hand.
    await testDocumentClient().send(
      new UpdateCommand({
        TableName: runtime.tableName,
        Key: { pk: walletPk('drifted'), sk: VIEW_SK },
        UpdateExpression: 'SET balanceMinor = :wrong',
        ExpressionAttributeValues: { ':wrong': 1n },
      }),
    );

    const dry = await replay({ walletId: 'drifted', dryRun: true });
    expect(dry.status).toBe(200);
    expect(await dry.json()).toMatchObject({
      dryRun: true,
      changed: true,
      written: false,
      before: { balance: 0.01 },
      after: { balance: 100.5, version: 2 },
    });

    const applied = await replay({ walletId: 'drifted' });
    expect(await applied.json()).toMatchObject({ changed: true, written: true, after: { balance: 100.5 } });
    const again = await replay({ walletId: 'drifted' });
    expect(await again.json()).toMatchObject({ changed: false, written: false, before: { balance: 100.5 } });
  });

  it('is an admin route and refuses bad requests with a 4xx', async () => {
    expect((await replay({ walletId: 'drifted' }, null)).status).toBe(401);
    expect((await replay({ walletId: 'drifted' }, 'nope')).status).toBe(403);
    expect((await replay({ fromVersion: 2 })).status).toBe(422);
    expect((await replay({ walletId: 'drifted', fromVersion: 0 })).status).toBe(400);
    expect((await replay({ walletId: 'drifted', extra: 1 })).status).toBe(400);
    expect((await replay({ walletId: 'never-seen' })).status).toBe(404);
  });
});
