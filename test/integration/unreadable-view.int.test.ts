/**
 * A wallet view item that does not read (edited, or written by something else) is a view not there
 * to every reader, and the next write of the wallet's view replaces it (read-models.ts). Before
 * stop 24 every read of the wallet (/details, /wallets), its projection and its replay threw on
 * it: 500s, and nothing could repair it, the replay included.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { walletNow } from '#app/queries/wallet-view.ts';
import { replayWallet } from '#app/replay.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import { useSweepTable } from '../support/sweep-table.ts';

const THRESHOLD: ThresholdConfig = { thresholdMinor: 1_000_000n, windowMs: 120_000, retainMax: 200 };
const { table, append, project, readModels, named } = useSweepTable('tally-int-unreadable-view');

const viewKey = (walletId: string) => ({ pk: `WALLET#${walletId}`, sk: 'VIEW#WALLET' });
/** The wallet's view item overwritten with `edit` applied (a tamper, or a writer of another shape). */
async function spoil(walletId: string, edit: (item: Record<string, unknown>) => Record<string, unknown>) {
  const { Item } = await table().documents.send(
    new GetCommand({ TableName: table().tableName, Key: viewKey(walletId) }),
  );
  expect(Item).toBeDefined();
  await table().documents.send(
    new PutCommand({ TableName: table().tableName, Item: edit(Item as Record<string, unknown>) }),
  );
}

describe('a view item that does not read', () => {
  it('reads as no view, and the next projection replaces it', async () => {
    const walletId = named('junk');
    await append(walletId, 0, 2);
    await project(walletId);
    await spoil(walletId, (item) => ({ ...item, lanes: 'junk' }));
    expect(await readModels().getView(walletId)).toBeUndefined();
    expect((await readModels().getViews([walletId])).size).toBe(0);
    await append(walletId, 0);
    await project(walletId);
    const view = await readModels().getView(walletId);
    expect(view).toMatchObject({ walletId, balanceMinor: 300n, lanes: [3] });
  });

  it('is replaced by a replay, also when it has no updatedAtMs', async () => {
    const walletId = named('bare');
    await append(walletId, 0, 2);
    await project(walletId);
    await spoil(walletId, ({ pk, sk }) => ({ pk, sk, balanceMinor: 'lots' }));
    const replay = await replayWallet(table().store, readModels(), walletId, THRESHOLD, { dryRun: false });
    expect(replay).toBeDefined();
    expect(await readModels().getView(walletId)).toMatchObject({ balanceMinor: 200n, lanes: [2] });
  });

  it('lets the wallet read again (the view folded from the log)', async () => {
    const walletId = named('read');
    await append(walletId, 0, 2);
    await project(walletId);
    await spoil(walletId, (item) => ({ ...item, lanes: 'junk' }));
    const read = await walletNow(
      { stores: { events: table().store, readModels: readModels() }, config: THRESHOLD },
      walletId,
    );
    expect(read).toMatchObject({ balanceMinor: 200n });
  });
});
