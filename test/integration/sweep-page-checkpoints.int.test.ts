/**
 * The checkpoint sweep against a writer of the table who rewrites a wallet's lane 0 and hides the
 * checkpoint that proves it (review4, stop 22): a decoy item posing as the wallet's first event in
 * another partition (a wallet is listed only from its own partition, so a page never answers "no
 * checkpoints" for one that has them), or a lane's checkpoint item overwritten with another lane's
 * (a checkpoint is of the lane its sort key names).
 */
import { randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkpointWallets } from '#app/checkpoint-sweep.ts';
import { verifyWallet } from '#app/queries/verify.ts';
import { DynamoCheckpointSweepStore } from '../../functions/adapters/dynamodb/checkpoint-sweep-store.ts';
import { DynamoReadModelStore } from '../../functions/adapters/dynamodb/read-models.ts';
import { verifyLanes } from '../../functions/adapters/dynamodb/verify-lanes.ts';
import { scanWalletIds } from '../../functions/adapters/dynamodb/wallet-ids.ts';
import { walletLanes } from '../../functions/adapters/dynamodb/wallet-lanes.ts';
import { HmacCheckpointSigner } from '../../functions/adapters/hmac-signer.ts';
import type { NewEvent } from '../../functions/ports/event-store.ts';
import { withDocumentMiddleware } from '../support/document-middleware.ts';
import { type CountedStoreTable, countedStoreTable } from '../support/local.ts';

let table: CountedStoreTable;
const signer = new HmacCheckpointSigner(Buffer.alloc(32, 9));

// A table of its own for each scenario (no decoy or victim of another scenario in its pages).
beforeEach(async () => {
  table = await countedStoreTable('tally-int-review4');
  table.store.plug({ scanWalletIds, verifyLanes, walletLanes });
});
afterEach(() => table?.drop());

let counter = 0;
const deposit = (amount = 100n): NewEvent => ({
  type: 'Deposited',
  data: { amountMinor: amount, occurredAtMs: 1_700_000_000_000 + counter },
  eventId: `r4-${++counter}-${randomUUID().slice(0, 6)}`,
  recordedAtMs: 1_700_000_000_000 + counter,
});
const append = async (walletId: string, lane: number, amount?: bigint) =>
  table.store.append({
    walletId,
    lane,
    expected: await table.store.head(walletId, lane),
    events: [deposit(amount)],
  });

const depsOn = (store: DynamoCheckpointSweepStore) => ({
  events: table.store,
  readModels: new DynamoReadModelStore(table.documents, table.tableName),
  checkpoints: { store, signer },
  marks: store,
  clock: { nowMs: () => 0 },
});

/** A writer of the table replaces lane 0's two events by two others (the store recomputes the hashes). */
async function rewriteLaneZero(walletId: string): Promise<void> {
  for (const version of [1, 2])
    await table.documents.send(
      new DeleteCommand({
        TableName: table.tableName,
        Key: { pk: `WALLET#${walletId}`, sk: `EVENT#00#${String(version).padStart(12, '0')}` },
      }),
    );
  await append(walletId, 0, 1n);
  await append(walletId, 0, 999_999n);
}

/**
 * A wallet whose lane 0 (two events) was checkpointed, then rewritten by a writer of the table:
 * both events deleted and two others appended in their place (the store recomputes the hashes), so
 * the chain checks and only the signed checkpoint (the event at version 2 no longer has its hash)
 * shows the rewrite. And an item in a partition of another key that lists the same wallet (an
 * `EVENT#00#…1` sort key under `WALLET#<id>#77`, which walletIdFromPk maps to the wallet).
 */
async function rewrittenWithDecoy(): Promise<{ victim: string; hashBefore: string; others: string[] }> {
  const victim = `v-${randomUUID().slice(0, 8)}`;
  const others = ['a', 'b', 'c', 'd'].map((name) => `${name}-${randomUUID().slice(0, 8)}`);
  await append(victim, 0);
  await append(victim, 0);
  for (const walletId of others) await append(walletId, 0);
  const store = new DynamoCheckpointSweepStore(table.documents, table.tableName);
  const first = await checkpointWallets(depsOn(store), { walletsMax: 10_000, budgetMs: 60_000 });
  expect(first.broken).toEqual([]);
  const [checkpoint] = await store.checkpoints(victim);
  expect(checkpoint?.version).toBe(2);
  await rewriteLaneZero(victim);
  // The decoy listing.
  await table.documents.send(
    new PutCommand({
      TableName: table.tableName,
      Item: { pk: `WALLET#${victim}#77`, sk: 'EVENT#00#000000000001' },
    }),
  );
  // The Query path (main's) sees the rewrite.
  const ordered = await verifyWallet(
    { ...depsOn(store), checkpoints: { store, signer, sign: false } },
    victim,
  );
  expect(ordered).toMatchObject({ ok: false, lane: 0, version: 2 });
  return { victim, hashBefore: checkpoint?.hash as string, others };
}

/** Scan pages of `limit` items (a middleware on the document client, so it runs on main's code too). */
async function withScanLimit<T>(limit: number | undefined, run: () => Promise<T>): Promise<T> {
  if (limit === undefined) return run();
  return withDocumentMiddleware(
    table.documents,
    'review4ScanLimit',
    (commandName, args, next) => {
      if (commandName === 'ScanCommand') (args.input as { Limit?: number }).Limit = limit;
      return next(args);
    },
    run,
  );
}

describe('review4: checkpoints from the page', () => {
  it('a page that lists a wallet answers its checkpoints as CheckpointStore.checkpoints does (or leaves it out), even when the listing item is not in the wallet’s own partition', async () => {
    const { victim } = await rewrittenWithDecoy();
    const store = new DynamoCheckpointSweepStore(table.documents, table.tableName);
    const expected = await store.checkpoints(victim);
    expect(expected.length).toBe(1);
    const wrong: string[] = [];
    for (const limit of [undefined, 1, 2, 3, 4, 5, 6, 7, 8]) {
      store.pageLimit = limit;
      let cursor: string | null = null;
      do {
        const page = await store.walletPage({ segment: 0, segments: 1, cursor });
        const known = page.checkpoints.get(victim);
        if (page.walletIds.includes(victim) && known !== undefined && known.length !== expected.length)
          wrong.push(
            `limit ${limit}: page lists ${victim} with ${known.length} checkpoints, it has ${expected.length}`,
          );
        cursor = page.nextCursor;
      } while (cursor !== null);
    }
    expect(wrong).toEqual([]);
  });

  it.each([undefined, 1, 2, 3, 4])(
    'a rewritten wallet is never signed over its rewrite, and its checkpoint is not replaced (pages of %i items)',
    async (limit) => {
      const { victim, hashBefore } = await rewrittenWithDecoy();
      const store = new DynamoCheckpointSweepStore(table.documents, table.tableName);
      const report = await withScanLimit(limit, () =>
        checkpointWallets(depsOn(store), { walletsMax: 10_000, budgetMs: 60_000 }),
      );
      const mine = report.broken.filter(({ walletId }) => walletId === victim);
      // The evidence of the rewrite (the checkpoint of version 2 with the old hash) is still there...
      const [after] = await store.checkpoints(victim);
      expect(after?.hash, 'checkpoint of the rewritten lane re-signed over the rewrite').toBe(hashBefore);
      // ...and the wallet is reported.
      expect(mine.length, JSON.stringify(report)).toBeGreaterThan(0);
    },
  );

  it('a lane’s checkpoint item overwritten with another lane’s signed checkpoint (PutItem only) is reported', async () => {
    const w = `w-${randomUUID().slice(0, 8)}`;
    for (const lane of [0, 0, 5, 5, 5]) await append(w, lane);
    const store = new DynamoCheckpointSweepStore(table.documents, table.tableName);
    const sweep = () => checkpointWallets(depsOn(store), { walletsMax: 100, budgetMs: 60_000 });
    expect(await sweep()).toMatchObject({ broken: [] });
    expect((await store.checkpoints(w)).find(({ lane }) => lane === 0)?.version).toBe(2);
    await rewriteLaneZero(w);
    // CHECKPOINT#00 overwritten with lane 5's: the checkpoint is of the lane its key names (lane 0),
    // so its signature fails, where trusting its `lane` left lane 0 with none and signed the rewrite.
    const lane5 = await table.documents.send(
      new GetCommand({ TableName: table.tableName, Key: { pk: `WALLET#${w}`, sk: 'CHECKPOINT#05' } }),
    );
    await table.documents.send(
      new PutCommand({ TableName: table.tableName, Item: { ...lane5.Item, sk: 'CHECKPOINT#00' } }),
    );
    expect((await sweep()).broken.map(({ walletId }) => walletId)).toContain(w);
  });
});
