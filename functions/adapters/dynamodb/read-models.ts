import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { WalletView } from '#domain/wallet-view.ts';
import type { ReadModelStore } from '#ports/read-models.ts';
import { fromViewItem, toViewItem, VIEW_SK, walletPk } from './table-layout.ts';

export class DynamoReadModelStore implements ReadModelStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getView(walletId: string): Promise<WalletView | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: walletPk(walletId), sk: VIEW_SK } }),
    );
    return result.Item === undefined ? undefined : fromViewItem(result.Item);
  }

  async putView(view: WalletView): Promise<'written' | 'stale'> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toViewItem(view),
          // Projectors may race (two shards, a replay); the view only ever moves forward — it
          // holds more events than the stored one — or is replaced by a rebuild under a changed
          // threshold rule. Views are sets of events that only grow, so the count orders them.
          ConditionExpression:
            'attribute_not_exists(pk) OR eventCount < :count OR thresholdMinor <> :threshold OR windowMs <> :window',
          ExpressionAttributeValues: {
            ':count': view.eventCount,
            ':threshold': view.thresholdMinor,
            ':window': view.windowMs,
          },
        }),
      );
      return 'written';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'stale';
      throw error;
    }
  }
}
