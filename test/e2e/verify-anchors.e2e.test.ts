import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventHash } from '../../functions/adapters/dynamodb/event-hash.ts';
import { DynamoEventStore } from '../../functions/adapters/dynamodb/event-store.ts';
import { fromEventItem, toEventItem } from '../../functions/adapters/dynamodb/table-layout/event-item.ts';
import { eventSk, LANES_SK, VIEW_SK, walletPk } from '../../functions/adapters/dynamodb/table-layout/keys.ts';
import type { LocalRuntime } from '../../functions/local/runtime.ts';
import { startTestRuntime, testDocumentClient } from '../support/local.ts';

/**
 * /verify against someone who can write the table (issue 10 §4.4): a truncated tail, a removed
 * lane registry and a rewritten-and-rehashed event are each reported, through the anchors outside
 * the chains (the read model's applied versions, signed checkpoints).
 */
let runtime: LocalRuntime;
beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(async () => {
  await runtime?.stop();
});

async function deposit(walletId: string, amount: string): Promise<void> {
  const response = await fetch(`${runtime.url}/deposit`, {
    method: 'POST',
    body: JSON.stringify({ WalletID: walletId, Amount: amount }),
  });
  expect(response.status).toBe(201);
}

const verify = async (walletId: string, query = '') => {
  const response = await fetch(`${runtime.url}/wallets/${walletId}/verify${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as {
    ok: boolean;
    lane?: number;
    version?: number;
    reason?: string;
    events?: number;
  };
};

/** Waits until the projector has applied `count` events of the wallet (the read-model anchor). */
async function projected(walletId: string, count: number): Promise<void> {
  const deadline = Date.now() + 45_000;
  for (;;) {
    const { Item } = await testDocumentClient().send(
      new GetCommand({
        TableName: runtime.tableName,
        Key: { pk: walletPk(walletId), sk: VIEW_SK },
        ConsistentRead: true,
      }),
    );
    if (Number(Item?.eventCount ?? 0) >= count) return;
    if (Date.now() > deadline) throw new Error(`the view of ${walletId} did not reach ${count} events`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const remove = (walletId: string, sk: string) =>
  testDocumentClient().send(
    new DeleteCommand({ TableName: runtime.tableName, Key: { pk: walletPk(walletId), sk } }),
  );

describe('GET /wallets/{id}/verify anchors each lane head outside its chain', { timeout: 60_000 }, () => {
  it('reports a removed newest event (the chain that is left still checks)', async () => {
    for (const amount of ['1', '2', '3']) await deposit('truncated', amount);
    await projected('truncated', 3);
    await remove('truncated', eventSk(0, 3));
    const body = await verify('truncated');
    expect(body).toMatchObject({ ok: false, lane: 0, version: 3 });
    expect(body.reason).toMatch(/removed/);
  });

  it('reports a removed newest event against the signed checkpoint too, read model or not', async () => {
    for (const amount of ['1', '2', '3']) await deposit('truncated-signed', amount);
    await projected('truncated-signed', 3);
    expect(await verify('truncated-signed')).toMatchObject({ ok: true, events: 3 });
    await remove('truncated-signed', eventSk(0, 3));
    await remove('truncated-signed', VIEW_SK);
    const body = await verify('truncated-signed');
    expect(body).toMatchObject({ ok: false, lane: 0, version: 3 });
    expect(body.reason).toMatch(/missing/);
  });

  it('reports a removed lane registry', async () => {
    await deposit('registry', '5');
    // A second lane, as a conflicting writer would open it.
    const store = new DynamoEventStore(testDocumentClient(), runtime.tableName);
    await store.append({
      walletId: 'registry',
      lane: 1,
      expected: { version: 0, hash: '' },
      events: [
        {
          type: 'Deposited',
          data: { amountMinor: 700n, occurredAtMs: Date.now() },
          eventId: 'lane-1-e1',
          recordedAtMs: Date.now(),
        },
      ],
    });
    await projected('registry', 2);
    expect(await verify('registry')).toMatchObject({ ok: true, lanes: 2, events: 2 });
    await remove('registry', LANES_SK);
    const body = await verify('registry');
    expect(body).toMatchObject({ ok: false, lane: 1, version: 1 });
    expect(body.reason).toMatch(/does not list the lane/);
  });

  it('reports an event rewritten with every hash after it recomputed (checkpoint mismatch)', async () => {
    for (const amount of ['10', '20', '30']) await deposit('rehashed', amount);
    await projected('rehashed', 3);
    expect(await verify('rehashed')).toMatchObject({ ok: true, events: 3 });
    // Rewrite version 2's amount and recompute the chain from it: the chains check again.
    const documents = testDocumentClient();
    let prevHash: string | undefined;
    for (const version of [2, 3]) {
      const { Item } = await documents.send(
        new GetCommand({
          TableName: runtime.tableName,
          Key: { pk: walletPk('rehashed'), sk: eventSk(0, version) },
        }),
      );
      const { hash: _hash, prevHash: storedPrev, ...event } = await fromEventItem(Item);
      const edited =
        version === 2 && event.type === 'Deposited'
          ? { ...event, data: { ...event.data, amountMinor: 999_900n } }
          : event;
      const chainedFrom = prevHash ?? storedPrev;
      const hash = eventHash(chainedFrom, edited);
      await documents.send(
        new PutCommand({ TableName: runtime.tableName, Item: toEventItem(edited, chainedFrom, hash) }),
      );
      prevHash = hash;
    }
    expect(await verify('rehashed', '?full=true')).toMatchObject({ ok: false, lane: 0, version: 3 });
    const body = await verify('rehashed');
    expect(body).toMatchObject({ ok: false, lane: 0, version: 3 });
    expect(body.reason).toMatch(/rewritten/);
  });

  it('verifies incrementally: after a checkpoint only what was appended since is read', async () => {
    for (const amount of ['1', '2', '3', '4']) await deposit('incremental', amount);
    expect(await verify('incremental')).toMatchObject({ ok: true, events: 4 });
    await deposit('incremental', '5');
    // The answer counts the log, though this walk read only the checkpointed event and the new one
    // (the port's incremental walk is in the contract suite; the figures in bench:reads).
    expect(await verify('incremental')).toMatchObject({ ok: true, events: 5 });
    expect(await verify('incremental', '?full=true')).toMatchObject({ ok: true, events: 5 });
  });
});
