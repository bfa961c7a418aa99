import { randomUUID } from 'node:crypto';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointWallets } from '#app/checkpoint-sweep.ts';
import { DynamoCheckpointSweepStore } from '../../functions/adapters/dynamodb/checkpoint-sweep-store.ts';
import { DynamoReadModelStore } from '../../functions/adapters/dynamodb/read-models.ts';
import { registerLane } from '../../functions/adapters/dynamodb/table-layout/lanes-item.ts';
import { verifyLanes } from '../../functions/adapters/dynamodb/verify-lanes.ts';
import { scanWalletIds } from '../../functions/adapters/dynamodb/wallet-ids.ts';
import { walletLanes } from '../../functions/adapters/dynamodb/wallet-lanes.ts';
import { HmacCheckpointSigner } from '../../functions/adapters/hmac-signer.ts';
import type { NewEvent } from '../../functions/ports/event-store.ts';
import { type CountedStoreTable, countedStoreTable } from '../support/local.ts';

/**
 * The checkpoint sweep on DynamoDB Local with the kinds its composition hands in
 * (composition/checkpoint-sweep.ts): the requests a tick sends, and `lanesOf` (a slice of wallets'
 * lane registries in BatchGetItem requests) answering what `lanes` answers wallet by wallet.
 */

let table: CountedStoreTable;

beforeAll(async () => {
  table = await countedStoreTable('tally-int-sweep');
  table.store.plug({ scanWalletIds, verifyLanes, walletLanes });
});

afterAll(() => table?.drop());

let counter = 0;
const deposit = (): NewEvent => ({
  type: 'Deposited',
  data: { amountMinor: 100n, occurredAtMs: 1_700_000_000_000 + counter },
  eventId: `sweep-${++counter}`,
  recordedAtMs: 1_700_000_000_000 + counter,
});
const append = async (walletId: string, lane: number) =>
  table.store.append({
    walletId,
    lane,
    expected: await table.store.head(walletId, lane),
    events: [deposit()],
  });

/** The commands as the client's middleware names them (the document client's commands send these). */
const COMMANDS = [
  'ScanCommand',
  'GetItemCommand',
  'BatchGetItemCommand',
  'QueryCommand',
  'PutItemCommand',
  'TransactWriteItemsCommand',
];
const sentNow = () => COMMANDS.map((command) => table.sent(command));

describe('the checkpoint sweep on DynamoDB', () => {
  it('reads a slice’s views in one BatchGetItem and its lane registries in one, and signs every lane', async () => {
    const walletIds = ['a', 'b', 'c', 'd', 'e'].map((name) => `${name}-${randomUUID().slice(0, 8)}`);
    for (const walletId of walletIds) await append(walletId, 0);
    await append(walletIds[1] as string, 0);
    // A hot wallet: a shard lane of its own partition, which the registry names.
    await append(walletIds[2] as string, 40);
    const { documents, tableName } = table;
    const checkpoints = new DynamoCheckpointSweepStore(documents, tableName);
    const deps = {
      events: table.store,
      readModels: new DynamoReadModelStore(documents, tableName),
      checkpoints: { store: checkpoints, signer: new HmacCheckpointSigner(Buffer.alloc(32, 7)) },
      marks: checkpoints,
      clock: { nowMs: () => 0 },
    };
    const before = sentNow();
    const report = await checkpointWallets(deps, { walletsMax: 100, budgetMs: 60_000 });
    const sent = sentNow().map((count, index) => count - (before[index] ?? 0));
    expect(report).toEqual({ signed: 5, broken: [], passEnded: true });
    // One Scan and the mark (a one-key BatchGetItem); the five views, then the five registries, in
    // one BatchGetItem each;
    // five checkpoint Queries, five lane-0 walks and the shard lane's; six checkpoints, a PutItem
    // each (the mark the table holds is not put again). Wallet by wallet it was 11 GetItems (the
    // mark's among them), 11 Queries and 6 PutItems.
    expect(Object.fromEntries(COMMANDS.map((command, index) => [command, sent[index]]))).toEqual({
      ScanCommand: 1,
      GetItemCommand: 0,
      BatchGetItemCommand: 3,
      QueryCommand: 11,
      PutItemCommand: 6,
      TransactWriteItemsCommand: 0,
    });
    for (const walletId of walletIds) {
      const lanes = (await checkpoints.checkpoints(walletId)).map(({ lane, version }) => [lane, version]);
      expect(lanes).toEqual(
        walletId === walletIds[1]
          ? [[0, 2]]
          : walletId === walletIds[2]
            ? [
                [0, 1],
                [40, 1],
              ]
            : [[0, 1]],
      );
    }
    // The next tick finds every wallet intact again, and signs nothing new.
    expect(await checkpointWallets(deps, { walletsMax: 100, budgetMs: 60_000 })).toEqual({
      signed: 5,
      broken: [],
      passEnded: true,
    });
  });

  it('reads back the pass mark it saved, and the start of a pass where there is none', async () => {
    const store = new DynamoCheckpointSweepStore(table.documents, table.tableName);
    const before = table.sent('BatchGetItemCommand');
    await store.saveMark({ scan: '{"pk":"WALLET#m"}', done: 3 });
    expect(await store.mark()).toEqual({ scan: '{"pk":"WALLET#m"}', done: 3 });
    await store.saveMark({ scan: null, done: 0 });
    expect(await store.mark()).toEqual({ scan: null, done: 0 });
    expect(table.sent('BatchGetItemCommand') - before).toBe(2);
  });

  it('lanesOf answers each wallet’s lanes as lanes does, over more wallets than one BatchGetItem takes', async () => {
    const walletIds = Array.from({ length: 130 }, (_, index) => `lanes-${index}-${randomUUID().slice(0, 8)}`);
    // Every third wallet has registered lanes (a shard and an older lane); the others have none.
    for (const [index, walletId] of walletIds.entries()) {
      if (index % 3 !== 0) continue;
      for (const lane of [40, 3 + (index % 5)])
        await table.documents.send(
          new UpdateCommand({ TableName: table.tableName, ...registerLane(walletId, lane) }),
        );
    }
    const before = table.sent('BatchGetItemCommand');
    const together = await table.store.lanesOf?.(walletIds);
    expect(table.sent('BatchGetItemCommand') - before).toBe(2);
    const apart = new Map(
      await Promise.all(
        walletIds.map(async (walletId) => [walletId, await table.store.lanes(walletId)] as const),
      ),
    );
    expect(together).toEqual(apart);
    expect(together?.get(walletIds[3] as string)).toEqual([0, 6, 40]);
    expect(together?.get(walletIds[1] as string)).toEqual([0]);
  });
});
