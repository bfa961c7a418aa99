/**
 * A writer of the table with PutItem only (no DeleteItem) must not be able to take a lane's
 * checkpoint out of play by overwriting its item (sk CHECKPOINT#00) with a copy of another lane's
 * valid signed checkpoint (review4, stop 22; it was so before): the checkpoint is of the lane its
 * key names, so the copy's signature fails and the wallet is reported, instead of lane 0 walking
 * from version 1 and the sweep signing over a rewrite.
 */
import { randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointWallets } from '#app/checkpoint-sweep.ts';
import { DynamoCheckpointSweepStore } from '../../functions/adapters/dynamodb/checkpoint-sweep-store.ts';
import { DynamoReadModelStore } from '../../functions/adapters/dynamodb/read-models.ts';
import { verifyLanes } from '../../functions/adapters/dynamodb/verify-lanes.ts';
import { scanWalletIds } from '../../functions/adapters/dynamodb/wallet-ids.ts';
import { walletLanes } from '../../functions/adapters/dynamodb/wallet-lanes.ts';
import { HmacCheckpointSigner } from '../../functions/adapters/hmac-signer.ts';
import type { NewEvent } from '../../functions/ports/event-store.ts';
import { type CountedStoreTable, countedStoreTable } from '../support/local.ts';

let table: CountedStoreTable;
const signer = new HmacCheckpointSigner(Buffer.alloc(32, 11));
beforeAll(async () => {
  table = await countedStoreTable('tally-int-review4-lane');
  table.store.plug({ scanWalletIds, verifyLanes, walletLanes });
});
afterAll(() => table?.drop());

let counter = 0;
const deposit = (amount = 100n): NewEvent => ({
  type: 'Deposited',
  data: { amountMinor: amount, occurredAtMs: 1_700_000_000_000 + counter },
  eventId: `r4l-${++counter}`,
  recordedAtMs: 1_700_000_000_000 + counter,
});
const append = async (walletId: string, lane: number, amount?: bigint) =>
  table.store.append({
    walletId,
    lane,
    expected: await table.store.head(walletId, lane),
    events: [deposit(amount)],
  });

describe('a checkpoint item whose lane is not its sort key’s', () => {
  it('does not take the lane’s own checkpoint out of play', async () => {
    const w = `w-${randomUUID().slice(0, 8)}`;
    await append(w, 0);
    await append(w, 0);
    await append(w, 5);
    await append(w, 5);
    await append(w, 5);
    const store = new DynamoCheckpointSweepStore(table.documents, table.tableName);
    const deps = {
      events: table.store,
      readModels: new DynamoReadModelStore(table.documents, table.tableName),
      checkpoints: { store, signer },
      marks: store,
      clock: { nowMs: () => 0 },
    };
    expect(await checkpointWallets(deps, { walletsMax: 100, budgetMs: 60_000 })).toMatchObject({
      broken: [],
    });
    const before = (await store.checkpoints(w)).find(({ lane }) => lane === 0);
    expect(before?.version).toBe(2);
    // Rewrite lane 0 (the store recomputes the hashes).
    for (const version of [1, 2])
      await table.documents.send(
        new DeleteCommand({
          TableName: table.tableName,
          Key: { pk: `WALLET#${w}`, sk: `EVENT#00#${String(version).padStart(12, '0')}` },
        }),
      );
    await append(w, 0, 1n);
    await append(w, 0, 5_000n);
    // PutItem only: CHECKPOINT#00 overwritten with lane 5's signed checkpoint.
    const lane5 = await table.documents.send(
      new GetCommand({ TableName: table.tableName, Key: { pk: `WALLET#${w}`, sk: 'CHECKPOINT#05' } }),
    );
    await table.documents.send(
      new PutCommand({ TableName: table.tableName, Item: { ...lane5.Item, sk: 'CHECKPOINT#00' } }),
    );
    const report = await checkpointWallets(deps, { walletsMax: 100, budgetMs: 60_000 });
    expect(report.broken.map(({ walletId }) => walletId)).toContain(w);
  });
});
