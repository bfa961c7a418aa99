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
import { eventSk, LANES_SK, laneSkPrefix, VIEW_SK, walletIdFromPk, walletPk } from './table-layout/keys.ts';
import { fromLanesItem } from './table-layout/lanes-item.ts';
import { fromViewItemLanes } from './table-layout/view-item.ts';
import { walkLaneItems } from './verify-lanes.ts';
import { scanWalletPage } from './wallet-ids.ts';

/** A view's and a registry's keys and `lanes` (the view's applied versions, the registry's lanes). */
const LANES_ONLY = {
  ProjectionExpression: '#pk, #sk, #lanes',
  ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk', '#lanes': 'lanes' },
};

/**
 * What a page of wallets keeps besides each wallet's first event: its signed checkpoints, lane 0's
 * events, its lane registry and its view. Of each, the attributes the pass reads: a checkpoint's
 * (table-layout/checkpoint-item.ts), an event's that its parse and hash read (event-item.ts, not
 * its trace context), and the registry's and the view's `lanes`.
 */
const PAGE_ITEMS = {
  skPrefixes: [CHECKPOINT_SK_PREFIX, laneSkPrefix(0)],
  sks: [LANES_SK, VIEW_SK],
  attributes: [
    ...['walletId', 'lane', 'version', 'hash', 'signature'],
    ...['eventId', 'type', 'data', 'recordedAtMs', 'idempotencyKey', 'prevHash'],
    'lanes',
  ],
};

/** What a page holds of a wallet whose partition it read whole (lane 0's events from `from`, a sort key). */
interface Held {
  from: string;
  events: Record<string, unknown>[];
  view: { lanes: unknown } | undefined;
}

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
 * items too, so the pass sends no Query per wallet for them. Of a wallet whose partition the page
 * read whole (not the one it started in, nor the one it ended in) and that has no lane registry
 * item (lane 0 only), it also keeps lane 0's events from its checkpoint on and its view's applied
 * versions, and answers its verify's reads from them (`inHand`): no BatchGetItem and no Query for
 * it before the checkpoints the pass signs. Everything else of the page is dropped as it is read.
 * That Scan is eventually consistent (review8): each item it returns is a value the item really
 * held within about a second, and a head is signed only over a chain whose every link and hash the
 * walk checked from its checkpoint, so a signed head belongs to a chain that existed (a mix of old
 * and new events fails a `prevHash`). A stale view or registry is one read earlier, as the in-order
 * verify reads them; a stale or missing checkpoint is one deleted, which a writer can do anyway.
 * The worst a stale page does is sign the genuine head just before a tamper of the last second,
 * which the next pass reports. A strongly consistent Scan would double the read units of the
 * whole table every pass (a table's bytes / 4 KB instead of / 8 KB), for none of that.
 * `pageLimit`: items a Scan page reads (tests split pages with it; DynamoDB's 1 MB otherwise).
 */
export class DynamoCheckpointSweepStore extends DynamoCheckpointStore {
  pageLimit: number | undefined;

  override async mark(): Promise<CheckpointPassMark> {
    const [item] = await batchGetItems(this.client, this.tableName, [CHECKPOINT_PASS_KEY], 'mark');
    return fromPassMarkItem(item);
  }

  async walletPage(request: WalletPageRequest): Promise<CheckpointedWalletPage> {
    const page = await scanWalletPage(this.client, this.tableName, request, {
      also: PAGE_ITEMS,
      limit: this.pageLimit,
    });
    const checkpoints = new Map<string, LaneCheckpoint[]>();
    /** The wallets whose partition the page read whole: what it holds of each for a verify. */
    const held = new Map<string, Held>();
    for (const walletId of page.walletIds) {
      const pk = walletPk(walletId);
      // A wallet's checkpoints sort before its first event (CHECKPOINT# < EVENT#) in its own
      // partition, whose items a Scan reads in a row: a page that lists the wallet read them all,
      // unless it started inside that partition (the page before may have read some).
      if (page.startPk === pk) continue;
      checkpoints.set(walletId, []);
      // Its registry and view sort after its events (LANES, VIEW#WALLET): read too, unless the
      // page ended inside the partition (the next page may hold them, or more events).
      if (page.endPk !== pk) held.set(walletId, { from: eventSk(0, 1), events: [], view: undefined });
    }
    for (const item of page.alsoItems) {
      // By the partition the item is in, not the wallet it names (the verify checks that they agree).
      const walletId = walletIdFromPk(String(item.pk));
      const found = walletId === undefined ? undefined : checkpoints.get(walletId);
      if (walletId === undefined || found === undefined || String(item.pk) !== walletPk(walletId)) continue;
      const sk = String(item.sk);
      const wallet = held.get(walletId);
      if (sk.startsWith(CHECKPOINT_SK_PREFIX)) {
        // One that does not parse cannot verify: the wallet is reported (table-layout/checkpoint-item.ts).
        const checkpoint = fromCheckpointItem(item);
        found.push(checkpoint);
        // Lane 0's walk starts at its checkpoint: the events before it are not kept.
        if (wallet !== undefined && checkpoint.lane === 0 && checkpoint.version > 0)
          wallet.from = eventSk(0, checkpoint.version);
        continue;
      }
      if (wallet === undefined) continue;
      // A registry item: the wallet may have other lanes, which the page does not hold (a shard's
      // partition is elsewhere), so it is read apart.
      if (sk === LANES_SK) held.delete(walletId);
      else if (sk === VIEW_SK) wallet.view = { lanes: item.lanes };
      else if (sk >= wallet.from) wallet.events.push(item);
    }
    return {
      walletIds: page.walletIds,
      nextCursor: page.nextCursor,
      checkpoints,
      inHand: (walletId, laneZeroFrom) => {
        const wallet = held.get(walletId);
        // Handed over once: the page (kept for the tick as its first) then holds no events of it.
        held.delete(walletId);
        // Events from before the head asked for were not kept (a head other than the page's).
        if (wallet === undefined || eventSk(0, Math.max(1, laneZeroFrom?.version ?? 0)) < wallet.from)
          return undefined;
        const viewLanes = wallet.view === undefined ? undefined : fromViewItemLanes(wallet.view);
        return {
          view: viewLanes === undefined ? undefined : { lanes: viewLanes },
          lanes: [0],
          laneZero: walkLaneItems(walletId, 0, wallet.events, laneZeroFrom),
        };
      },
    };
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
      const viewLanes = item.sk === VIEW_SK ? fromViewItemLanes(item) : undefined;
      if (viewLanes !== undefined) views.set(walletId, { lanes: viewLanes });
      else if (item.sk === LANES_SK) registries.set(walletId, item);
    }
    return {
      views,
      lanes: new Map(unique.map((walletId) => [walletId, fromLanesItem(registries.get(walletId))])),
    };
  }
}
