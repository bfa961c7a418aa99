/**
 * The projector's batched view writes (ReadModelStore.putViewEach: PartiQL statements in one
 * BatchExecuteStatement) against DynamoDB Local: every outcome and every stored item as putView's
 * (its PutItem with a condition) would leave them, and a stream batch's wallets written in one
 * request (app/view-writes.ts).
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoReadModelStore } from '#adapters/dynamodb/read-models.ts';
import { VIEW_SK, walletPk } from '#adapters/dynamodb/table-layout/keys.ts';
import { withViewStatements } from '#adapters/dynamodb/view-statements.ts';
import { awaitCommitsOn } from '#adapters/local/commit-barrier.ts';
import { prefetchDoorbells } from '#app/projection-batch.ts';
import { readWallet } from '#app/read-events.ts';
import { coalescedViewWrites } from '#app/view-writes.ts';
import { projectWallet } from '#app/wallet-projection.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import { emptyView, rebuildView, type WalletView } from '#domain/wallet-view.ts';
import type { PutViewOptions } from '#ports/read-models.ts';
import {
  type CountedStoreTable,
  countedStoreTable,
  dynamodbEndpoint,
  testDocumentClient,
} from '../support/local.ts';

const CONFIG: ThresholdConfig = { thresholdMinor: 1_000_000n, windowMs: 60_000, retainMax: 100 };
let table: CountedStoreTable;
let views: DynamoReadModelStore;
let batchable: ReturnType<typeof withViewStatements>;

beforeAll(async () => {
  table = await countedStoreTable('view-writes');
  views = new DynamoReadModelStore(table.documents, table.tableName);
  batchable = withViewStatements(views);
});
afterAll(() => table?.drop());

/** A view with these lanes (its event count their sum), under a threshold, with or without a hold. */
function viewOf(walletId: string, lanes: number[], thresholdMinor: bigint, held: boolean): WalletView {
  return {
    ...emptyView(walletId, { ...CONFIG, thresholdMinor }),
    lanes,
    eventCount: lanes.reduce((sum, version) => sum + version, 0),
    balanceMinor: BigInt(lanes.length * 100),
    ...(held
      ? {
          tradeCount: 1,
          activeHolds: [{ holdId: 'h1', asset: 'money' as const, amount: 5n, expiresAtMs: 9 }],
        }
      : {}),
  };
}

const itemOf = async (walletId: string) => {
  const { Item } = await table.documents.send(
    new GetCommand({ TableName: table.tableName, Key: { pk: walletPk(walletId), sk: VIEW_SK } }),
  );
  if (Item === undefined) throw new Error(`no view item for ${walletId}`);
  const { pk: _pk, walletId: _walletId, ...rest } = Item;
  return rest;
};

const putViewEach = (writes: Parameters<NonNullable<typeof batchable.putViewEach>>[0]) =>
  (batchable.putViewEach as NonNullable<typeof batchable.putViewEach>)(writes);

describe('putViewEach', () => {
  it('answers and stores what putView does, case by case (stored view or none, lanes ahead, behind or apart, another threshold, each option)', async () => {
    const laneSets = [[1], [2], [1, 1], [2, 1], [1, 2], [2, 2, 1]];
    const cases: { stored?: WalletView; next: WalletView; options: PutViewOptions }[] = [];
    for (const stored of [undefined, ...laneSets])
      for (const lanes of laneSets)
        for (const thresholdMinor of [CONFIG.thresholdMinor, 7n])
          for (const options of [{}, { replaceEqual: true }, { onlyIfAbsent: true }])
            cases.push({
              ...(stored === undefined ? {} : { stored: viewOf('x', stored, CONFIG.thresholdMinor, true) }),
              next: viewOf('x', lanes, thresholdMinor, lanes.length === 1),
              options,
            });
    const run = Date.now();
    const wallet = (side: string, at: number) => `each-${run}-${side}-${at}`;
    // The same stored view under two wallets: one written by putView, the other by putViewEach.
    await putViewEach(
      cases.flatMap(({ stored }, at) =>
        stored === undefined
          ? []
          : ['one', 'each'].map((side) => ({
              view: { ...stored, walletId: wallet(side, at) },
              options: { onlyIfAbsent: true },
            })),
      ),
    );
    const one = await Promise.all(
      cases.map(({ next, options }, at) => views.putView({ ...next, walletId: wallet('one', at) }, options)),
    );
    const before = table.sent('BatchExecuteStatementCommand');
    const each = await putViewEach(
      cases.map(({ next, options }, at) => ({ view: { ...next, walletId: wallet('each', at) }, options })),
    );
    expect(table.sent('BatchExecuteStatementCommand') - before).toBe(Math.ceil(cases.length / 25));
    expect(each).toEqual(one);
    expect(one).toContain('written');
    expect(one).toContain('stale');
    for (const at of cases.keys()) {
      expect(await itemOf(wallet('each', at))).toEqual(await itemOf(wallet('one', at)));
      const stored = await views.getView(wallet('each', at));
      if (each[at] === 'written') expect(stored?.activeHolds.length).toBe(cases[at]?.next.activeHolds.length);
    }
  });

  it('is followed by the local commit barrier (data on disk), as a transaction is', async () => {
    const release = awaitCommitsOn(dynamodbEndpoint());
    const sent: string[] = [];
    try {
      const client = testDocumentClient();
      client.middlewareStack.add(
        (next, context) => (args) => {
          sent.push(context.commandName ?? '');
          return next(args);
        },
        { step: 'initialize', name: 'recordCommands', priority: 'high' },
      );
      const store = withViewStatements(new DynamoReadModelStore(client, table.tableName));
      const view = viewOf(`barrier-${Date.now()}`, [1], CONFIG.thresholdMinor, false);
      await store.putViewEach?.([{ view, options: { onlyIfAbsent: true } }]);
      expect(sent).toEqual(['BatchExecuteStatementCommand', 'GetItemCommand']);
      client.destroy();
    } finally {
      release();
    }
  });

  it('puts two views of one wallet in separate requests, in order', async () => {
    const walletId = `twice-${Date.now()}`;
    const before = table.sent('BatchExecuteStatementCommand');
    expect(
      await putViewEach([
        { view: viewOf(walletId, [1], CONFIG.thresholdMinor, false), options: { onlyIfAbsent: true } },
        { view: viewOf(walletId, [2], CONFIG.thresholdMinor, false) },
      ]),
    ).toEqual(['written', 'written']);
    expect(table.sent('BatchExecuteStatementCommand') - before).toBe(2);
    expect((await views.getView(walletId))?.lanes).toEqual([2]);
  });
});

/** One deposit at lane 0's head. */
async function deposit(walletId: string, amountMinor: bigint): Promise<void> {
  const expected = await table.store.head(walletId, 0);
  const eventId = `${walletId}-${expected.version + 1}`;
  const data = { amountMinor, occurredAtMs: 1 };
  await table.store.append({
    walletId,
    lane: 0,
    expected,
    events: [{ type: 'Deposited', data, eventId, recordedAtMs: 2 }],
  });
}

describe('a stream batch of many wallets, projected through coalescedViewWrites', () => {
  it('writes their views in one request instead of a PutItem each, each the fold of its log', async () => {
    const walletIds = Array.from({ length: 12 }, (_, i) => `batch-${Date.now()}-${i}`);
    for (const walletId of walletIds) await deposit(walletId, 100n);
    const [puts, batches] = [table.sent('PutItemCommand'), table.sent('BatchExecuteStatementCommand')];
    const batched = coalescedViewWrites(batchable);
    // As project-streams: the batch's events read at once, then each wallet's fold.
    const refs = walletIds.map((walletId) => ({ walletId, lane: 0, version: 1 }));
    const prefetched = await prefetchDoorbells(table.store, batched, refs);
    const outcomes = await Promise.all(
      walletIds.map((walletId) =>
        projectWallet(
          table.store,
          batched,
          walletId,
          CONFIG,
          [0],
          undefined,
          undefined,
          prefetched.get(walletId),
        ),
      ),
    );
    expect(outcomes.every((outcome) => outcome.written)).toBe(true);
    expect(table.sent('PutItemCommand') - puts).toBe(0);
    expect(table.sent('BatchExecuteStatementCommand') - batches).toBe(1);
    for (const walletId of walletIds) {
      const events = await readWallet(table.store, walletId);
      expect(await views.getView(walletId)).toEqual(rebuildView(walletId, events, CONFIG));
    }
    // One wallet alone in a turn is written as before: one PutItem.
    const lone = walletIds[0] as string;
    await deposit(lone, 5n);
    const putsBefore = table.sent('PutItemCommand');
    expect((await projectWallet(table.store, batched, lone, CONFIG, [0])).written).toBe(true);
    expect(table.sent('PutItemCommand') - putsBefore).toBe(1);
  });
});
