import { randomUUID } from 'node:crypto';
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointWallets } from '#app/checkpoint-sweep.ts';
import { projectWallet } from '#app/wallet-projection.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import { DynamoCheckpointSweepStore } from '../../functions/adapters/dynamodb/checkpoint-sweep-store.ts';
import { DynamoReadModelStore } from '../../functions/adapters/dynamodb/read-models.ts';
import { registerLane } from '../../functions/adapters/dynamodb/table-layout/lanes-item.ts';
import { verifyLanes } from '../../functions/adapters/dynamodb/verify-lanes.ts';
import { scanWalletIds } from '../../functions/adapters/dynamodb/wallet-ids.ts';
import { walletLanes } from '../../functions/adapters/dynamodb/wallet-lanes.ts';
import { HmacCheckpointSigner } from '../../functions/adapters/hmac-signer.ts';
import type { LaneCheckpoint } from '../../functions/ports/checkpoints.ts';
import type { NewEvent } from '../../functions/ports/event-store.ts';
import { type CountedStoreTable, countedStoreTable } from '../support/local.ts';

/**
 * The checkpoint sweep on DynamoDB Local with the kinds its composition hands in
 * (composition/checkpoint-sweep.ts): the requests a tick sends, and `lanesOf` (a slice of wallets'
 * lane registries in BatchGetItem requests) answering what `lanes` answers wallet by wallet.
 */

let table: CountedStoreTable;
const THRESHOLD: ThresholdConfig = { thresholdMinor: 1_000_000n, windowMs: 120_000, retainMax: 200 };

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
  it('reads a slice’s checkpoints with the Scan, its views and lane registries in one BatchGetItem, and signs every lane', async () => {
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
    // One Scan (the wallets, with their checkpoints, and the views, registries and lane-0 events
    // of the four one-lane wallets, whose partitions it read whole) and the mark (a one-key
    // BatchGetItem); the hot wallet's view and registry in one BatchGetItem, with its lane-0 walk;
    // its shard lane's walk; six checkpoints, a PutItem each (the mark the table holds is not put
    // again). With the views, registries and walks read apart from the Scan it was 6 Queries (the
    // five views and registries in that BatchGetItem); with a Query per wallet for its checkpoints,
    // 3 BatchGetItems and 11 Queries; wallet by wallet, 11 GetItems (the mark's among them), 11
    // Queries and 6 PutItems.
    const expected = {
      ScanCommand: 1,
      GetItemCommand: 0,
      BatchGetItemCommand: 2,
      QueryCommand: 2,
      PutItemCommand: 6,
      TransactWriteItemsCommand: 0,
    };
    expect(Object.fromEntries(COMMANDS.map((command, index) => [command, sent[index]]))).toEqual(expected);
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
    // The next tick finds every wallet intact again, from the checkpoints the Scan brought (no
    // Query for them), and signs nothing new.
    const again = sentNow();
    expect(await checkpointWallets(deps, { walletsMax: 100, budgetMs: 60_000 })).toEqual({
      signed: 5,
      broken: [],
      passEnded: true,
    });
    const sentAgain = sentNow().map((count, index) => count - (again[index] ?? 0));
    expect(Object.fromEntries(COMMANDS.map((command, index) => [command, sentAgain[index]]))).toEqual({
      ...expected,
      PutItemCommand: 0,
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

describe('a page of wallets with their checkpoints (DynamoCheckpointSweepStore.walletPage)', () => {
  let split: CountedStoreTable;
  const signer = new HmacCheckpointSigner(Buffer.alloc(32, 5));
  const walletIds = ['p', 'q', 'r', 's', 't', 'u'].map((name) => `${name}-${randomUUID().slice(0, 8)}`);
  const depsOn = (store: DynamoCheckpointSweepStore) => ({
    events: split.store,
    readModels: new DynamoReadModelStore(split.documents, split.tableName),
    checkpoints: { store, signer },
    marks: store,
    clock: { nowMs: () => 0 },
  });

  beforeAll(async () => {
    split = await countedStoreTable('tally-int-sweep-pages');
    split.store.plug({ scanWalletIds, verifyLanes, walletLanes });
    const append = async (walletId: string, lane: number) =>
      split.store.append({
        walletId,
        lane,
        expected: await split.store.head(walletId, lane),
        events: [deposit()],
      });
    for (const [index, walletId] of walletIds.entries()) {
      await append(walletId, 0);
      if (index % 2 === 0) await append(walletId, 0);
      // Two lanes of its own partition (a legacy one) and a shard: checkpoints for three lanes.
      if (index % 3 === 0) {
        await append(walletId, 40);
        await append(walletId, 5);
      }
    }
    const store = new DynamoCheckpointSweepStore(split.documents, split.tableName);
    expect(await checkpointWallets(depsOn(store), { walletsMax: 100, budgetMs: 60_000 })).toEqual({
      signed: walletIds.length,
      broken: [],
      passEnded: true,
    });
  });

  afterAll(() => split?.drop());

  it('answers each wallet’s checkpoints as CheckpointStore.checkpoints does, however the pages fall, and leaves out a wallet whose partition a page starts in', async () => {
    const store = new DynamoCheckpointSweepStore(split.documents, split.tableName);
    const expected = new Map(
      await Promise.all(
        walletIds.map(async (walletId) => [walletId, await store.checkpoints(walletId)] as const),
      ),
    );
    const byLane = (checkpoints: readonly LaneCheckpoint[]) =>
      [...checkpoints].sort((a, b) => a.lane - b.lane);
    // Every item of the table (events, registries, checkpoints) in one page, and pages of 1 … 40.
    for (const limit of [undefined, ...Array.from({ length: 40 }, (_, index) => index + 1)]) {
      store.pageLimit = limit;
      const listed: string[] = [];
      let leftOut = 0;
      let cursor: string | null = null;
      do {
        const page = await store.walletPage({ segment: 0, segments: 1, cursor });
        const startPk = cursor === null ? undefined : String(JSON.parse(cursor).pk);
        for (const walletId of page.walletIds) {
          const known = page.checkpoints.get(walletId);
          if (known === undefined) {
            // Only the wallet whose partition the page started in: its checkpoints may be behind.
            expect(startPk, `limit ${limit}`).toBe(`WALLET#${walletId}`);
            leftOut++;
          } else
            expect(byLane(known), `limit ${limit}, ${walletId}`).toEqual(
              byLane(expected.get(walletId) ?? []),
            );
        }
        listed.push(...page.walletIds);
        cursor = page.nextCursor;
      } while (cursor !== null);
      expect([...listed].sort(), `limit ${limit}`).toEqual([...walletIds].sort());
      if (limit === undefined) expect(leftOut).toBe(0);
    }
  });

  it('viewsAndLanes answers each wallet’s applied versions as getViews’ view holds them and its lanes as lanesOf does, in one BatchGetItem', async () => {
    const readModels = new DynamoReadModelStore(split.documents, split.tableName);
    // Views for half of the wallets (the others have none).
    for (const walletId of walletIds.filter((_, index) => index % 2 === 1))
      await projectWallet(split.store, readModels, walletId, THRESHOLD);
    const store = new DynamoCheckpointSweepStore(split.documents, split.tableName);
    const before = split.sent('BatchGetItemCommand');
    const both = await store.viewsAndLanes(walletIds);
    expect(split.sent('BatchGetItemCommand') - before).toBe(1);
    const views = await readModels.getViews(walletIds);
    expect(views.size).toBe(3);
    // Of a view, only the versions it applied.
    for (const walletId of walletIds) {
      const view = views.get(walletId);
      expect(both.views.get(walletId)).toEqual(view === undefined ? undefined : { lanes: view.lanes });
    }
    expect(both.lanes).toEqual(await split.store.lanesOf?.(walletIds));
    expect(both.lanes.get(walletIds[0] as string)).toEqual([0, 5, 40]);
  });

  it('over pages of a few items, checks every wallet from the checkpoints the pages brought: a forged one is reported and left unsigned, the others pass', async () => {
    const forged = walletIds[3] as string;
    await split.documents.send(
      new UpdateCommand({
        TableName: split.tableName,
        Key: { pk: `WALLET#${forged}`, sk: 'CHECKPOINT#05' },
        UpdateExpression: 'SET version = :version',
        ExpressionAttributeValues: { ':version': 2 },
      }),
    );
    for (const limit of [undefined, 2, 3, 5]) {
      const store = new DynamoCheckpointSweepStore(split.documents, split.tableName);
      store.pageLimit = limit;
      const report = await checkpointWallets(depsOn(store), { walletsMax: 100, budgetMs: 60_000 });
      expect(report.signed, `limit ${limit}`).toBe(walletIds.length - 1);
      expect(report.broken, `limit ${limit}`).toEqual([
        {
          walletId: forged,
          lane: 5,
          version: 2,
          reason: 'the signed checkpoint of lane 5 does not verify: it was forged or edited',
        },
      ]);
    }
  });

  it('reports a wallet whose lane lost the tail its view applied, from the view’s versions read with the registry, and signs nothing for it', async () => {
    const cut = walletIds[5] as string;
    await split.store.append({
      walletId: cut,
      lane: 0,
      expected: await split.store.head(cut, 0),
      events: [deposit()],
    });
    await projectWallet(
      split.store,
      new DynamoReadModelStore(split.documents, split.tableName),
      cut,
      THRESHOLD,
    );
    await split.documents.send(
      new DeleteCommand({
        TableName: split.tableName,
        Key: { pk: `WALLET#${cut}`, sk: 'EVENT#00#000000000002' },
      }),
    );
    const store = new DynamoCheckpointSweepStore(split.documents, split.tableName);
    const report = await checkpointWallets(depsOn(store), { walletsMax: 100, budgetMs: 60_000 });
    const broken = report.broken.map(({ walletId, lane, version }) => [walletId, lane, version]);
    expect(broken.sort()).toEqual(
      [
        [walletIds[3], 5, 2],
        [cut, 0, 2],
      ].sort(),
    );
    expect(report.broken.find(({ walletId }) => walletId === cut)?.reason).toContain('removed from its tail');
    expect((await store.checkpoints(cut)).find(({ lane }) => lane === 0)?.version).toBe(1);
  });

  it('takes a checkpoint item that does not parse for one that cannot verify: the wallet is reported, the sweep goes on', async () => {
    const odd = walletIds[0] as string;
    await split.documents.send(
      new UpdateCommand({
        TableName: split.tableName,
        Key: { pk: `WALLET#${odd}`, sk: 'CHECKPOINT#00' },
        UpdateExpression: 'REMOVE signature',
      }),
    );
    const store = new DynamoCheckpointSweepStore(split.documents, split.tableName);
    // The page and the Query answer it alike: a checkpoint of lane 0 that no signer signed.
    const page = await store.walletPage({ segment: 0, segments: 1, cursor: null });
    expect(page.checkpoints.get(odd)?.find(({ lane }) => lane === 0)).toMatchObject({ signature: '' });
    expect((await store.checkpoints(odd)).find(({ lane }) => lane === 0)).toMatchObject({ signature: '' });
    // Before, the read threw, and every tick failed at this wallet's slice.
    const report = await checkpointWallets(depsOn(store), { walletsMax: 100, budgetMs: 60_000 });
    expect(report.broken.find(({ walletId }) => walletId === odd)?.reason).toBe(
      'the signed checkpoint of lane 0 does not verify: it was forged or edited',
    );
    expect(report.signed).toBeGreaterThan(0);
  });
});
