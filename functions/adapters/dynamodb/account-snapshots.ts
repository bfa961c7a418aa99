import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { WalletState } from '#domain/wallet.ts';
import type { AccountSnapshotStore } from '#ports/account-snapshots.ts';
import { fromAccountSnapshotItem, toAccountSnapshotItem } from './table-layout/account-snapshot-item.ts';
import { ACCOUNT_SNAPSHOT_SK, walletPk } from './table-layout/keys.ts';

/** One snapshot item per card account, in its wallet partition (table-layout/account-snapshot-item.ts). */
export class DynamoAccountSnapshotStore implements AccountSnapshotStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async latest(accountId: string): Promise<WalletState | undefined> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: walletPk(accountId), sk: ACCOUNT_SNAPSHOT_SK },
        // Eventually consistent is enough: an older snapshot only means a longer tail.
      }),
    );
    return result.Item === undefined ? undefined : fromAccountSnapshotItem(result.Item);
  }

  async put(accountId: string, state: WalletState): Promise<void> {
    const item = toAccountSnapshotItem(accountId, state);
    if (item === undefined) return;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          // Two instances racing: the snapshot with more events stays.
          ConditionExpression: 'attribute_not_exists(pk) OR eventCount < :count',
          ExpressionAttributeValues: { ':count': state.version },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
