import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { WalletView } from '#domain/wallet-view.ts';
import type { SnapshotStore } from '#ports/snapshots.ts';
import { snapshotSk, VERSION_MAX, walletPk } from './table-layout/keys.ts';
import { fromViewItem, toSnapshotItem } from './table-layout/view-item.ts';

/** How many snapshots a wallet keeps; older ones are deleted after each put. */
export const SNAPSHOTS_KEPT = 3;
/** BatchWriteItem takes 25 requests: the bound on what one put's clean-up deletes. */
const DELETES_PER_PUT_MAX = 25;

/** The key condition of a wallet's snapshots holding at most `upTo` events. */
const snapshotsUpTo = (walletId: string, upTo: number) => ({
  KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
  ExpressionAttributeValues: { ':pk': walletPk(walletId), ':from': snapshotSk(0), ':to': snapshotSk(upTo) },
});

/** A wallet's snapshots: copies of its view in its partition, keyed by event count (table-layout/keys.ts's snapshotSk). */
export class DynamoSnapshotStore implements SnapshotStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async latest(walletId: string, maxEventCount?: number): Promise<WalletView | undefined> {
    const upTo = Math.min(maxEventCount ?? VERSION_MAX, VERSION_MAX);
    if (upTo < 0) return undefined;
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        ...snapshotsUpTo(walletId, upTo),
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const item = result.Items?.[0];
    return item === undefined ? undefined : fromViewItem(item);
  }

  async put(view: WalletView): Promise<void> {
    // A plain put: two projectors snapshotting the same event count hold the same number of
    // events, each a prefix of every lane, so either one is a correct snapshot to keep.
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: toSnapshotItem(view),
      }),
    );
    await this.trim(view.walletId);
  }

  /**
   * Deletes the wallet's snapshots beyond the newest SNAPSHOTS_KEPT. Bounded: one query of
   * keys and at most one batch of deletes; since every put trims, there is rarely more than one.
   */
  private async trim(walletId: string): Promise<void> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        ...snapshotsUpTo(walletId, VERSION_MAX),
        ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
        ProjectionExpression: '#pk, #sk',
        ScanIndexForward: false,
        Limit: SNAPSHOTS_KEPT + DELETES_PER_PUT_MAX,
        ConsistentRead: true,
      }),
    );
    const old = (result.Items ?? []).slice(SNAPSHOTS_KEPT);
    if (old.length === 0) return;
    // Unprocessed deletes are left for the next put's clean-up: an extra snapshot is harmless.
    await this.client.send(
      new BatchWriteCommand({
        RequestItems: {
          [this.tableName]: old.map((item) => ({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } })),
        },
      }),
    );
  }
}
