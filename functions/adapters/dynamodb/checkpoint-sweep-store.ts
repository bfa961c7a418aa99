import type {
  CheckpointedWalletPage,
  CheckpointPassMark,
  LaneCheckpoint,
  ViewsAndLanes,
} from '#ports/checkpoints.ts';
import type { WalletPageRequest } from '#ports/event-store.ts';
import { batchGetItems } from './batch-get.ts';
import { DynamoCheckpointStore } from './checkpoints.ts';
import {
  CHECKPOINT_PASS_KEY,
  CHECKPOINT_SK_PREFIX,
  fromCheckpointItem,
  fromPassMarkItem,
} from './table-layout/checkpoint-item.ts';
import { LANES_SK, VIEW_SK, walletIdFromPk, walletPk } from './table-layout/keys.ts';
import { fromLanesItem } from './table-layout/lanes-item.ts';
import { fromViewItemLanes } from './table-layout/view-item.ts';
import { scanWalletPage } from './wallet-ids.ts';

/** A view's and a registry's keys and `lanes` (the view's applied versions, the registry's lanes). */
const LANES_ONLY = {
  ProjectionExpression: '#pk, #sk, #lanes',
  ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk', '#lanes': 'lanes' },
};

/** A checkpoint item's attributes (table-layout/checkpoint-item.ts), all the pass reads of it. */
const CHECKPOINT_ATTRIBUTES = ['walletId', 'lane', 'version', 'hash', 'signature'] as const;

/**
 * The checkpoint store of the checkpoint sweep (composition/checkpoint-sweep.ts). The pass mark is
 * read in a one-key BatchGetItem (strongly consistent, the same read units as a GetItem): a tick's
 * other reads by key are BatchGetItems, so its cold process sends one command kind fewer (a kind's
 * first send costs about 2 ms of CPU more than another of a kind already sent). The checkpoints a
 * tick signs are saved a PutItem each, at once, as everywhere: a TransactWriteItems of a slice's
 * would be one request instead of several but cost twice the write units on every pass.
 *
 * A page of wallets comes with their checkpoints (`walletPage`): the Scan that lists the wallets
 * reads every item of their partitions anyway (it is billed for them), and keeps the checkpoint
 * items too, so the pass sends no Query per wallet for them. `pageLimit`: items a Scan page reads
 * (tests split pages with it; DynamoDB's 1 MB otherwise).
 */
export class DynamoCheckpointSweepStore extends DynamoCheckpointStore {
  pageLimit: number | undefined;

  override async mark(): Promise<CheckpointPassMark> {
    const [item] = await batchGetItems(this.client, this.tableName, [CHECKPOINT_PASS_KEY], 'mark');
    return fromPassMarkItem(item);
  }

  async walletPage(request: WalletPageRequest): Promise<CheckpointedWalletPage> {
    const also = { skPrefix: CHECKPOINT_SK_PREFIX, attributes: CHECKPOINT_ATTRIBUTES };
    const page = await scanWalletPage(this.client, this.tableName, request, also, this.pageLimit);
    const checkpoints = new Map<string, LaneCheckpoint[]>();
    for (const walletId of page.walletIds) {
      // A wallet's checkpoints sort before its first event (CHECKPOINT# < EVENT#) in its own
      // partition, whose items a Scan reads in a row: a page that lists the wallet read them all,
      // unless it started inside that partition (the page before may have read some).
      if (page.startPk !== walletPk(walletId)) checkpoints.set(walletId, []);
    }
    for (const item of page.alsoItems) {
      // By the partition the item is in, not the wallet it names (the verify checks that they agree).
      const walletId = walletIdFromPk(String(item.pk));
      const found = walletId === undefined ? undefined : checkpoints.get(walletId);
      if (walletId === undefined || found === undefined || String(item.pk) !== walletPk(walletId)) continue;
      // One that does not parse cannot verify: the wallet is reported (table-layout/checkpoint-item.ts).
      found.push(fromCheckpointItem(item));
    }
    return { walletIds: page.walletIds, nextCursor: page.nextCursor, checkpoints };
  }

  /**
   * The slice's views and lane registries in one BatchGetItem (two keys a wallet, strongly
   * consistent), each by the key it was asked under (as getViews and lanesOf read them): a wallet
   * without a registry item has lane 0 only. Of a view only its `lanes` (the versions it applied:
   * all a verify holds the log against) is asked and parsed; the registry's is also `lanes`.
   */
  async viewsAndLanes(walletIds: readonly string[]): Promise<ViewsAndLanes> {
    const unique = [...new Set(walletIds)];
    const keys = unique.flatMap((walletId) => [
      { pk: walletPk(walletId), sk: VIEW_SK },
      { pk: walletPk(walletId), sk: LANES_SK },
    ]);
    const items = await batchGetItems(this.client, this.tableName, keys, 'viewsAndLanes', LANES_ONLY);
    const views = new Map<string, { lanes: number[] }>();
    const registries = new Map<string, Record<string, unknown>>();
    for (const item of items) {
      const walletId = walletIdFromPk(String(item.pk));
      if (walletId === undefined || String(item.pk) !== walletPk(walletId)) continue;
      if (item.sk === VIEW_SK) views.set(walletId, { lanes: fromViewItemLanes(item) });
      else if (item.sk === LANES_SK) registries.set(walletId, item);
    }
    return {
      views,
      lanes: new Map(unique.map((walletId) => [walletId, fromLanesItem(registries.get(walletId))])),
    };
  }
}
