import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type PutCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { WalletView } from '#domain/wallet-view.ts';
import type { PutViewOptions, ReadModelStore, ReplacedView } from '#ports/read-models.ts';
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

  async putView(view: WalletView, options: PutViewOptions = {}): Promise<'written' | 'stale'> {
    try {
      await this.client.send(new PutCommand(this.conditionalPut(view, options)));
      return 'written';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'stale';
      throw error;
    }
  }

  async replaceView(view: WalletView): Promise<ReplacedView> {
    // One request: the old item comes back whether the write happened (ReturnValues) or not
    // (ReturnValuesOnConditionCheckFailure). A PutItem that changes nothing writes no stream record.
    try {
      const result = await this.client.send(
        new PutCommand({
          ...this.conditionalPut(view, { replaceEqual: true }),
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return {
        outcome: 'written',
        previous: result.Attributes === undefined ? undefined : fromViewItem(result.Attributes),
      };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // The exception carries the item in DynamoDB's wire form (the document client leaves errors alone).
      const kept =
        error.Item === undefined
          ? undefined
          : unmarshall(error.Item, { wrapNumbers: (text: string) => text });
      return { outcome: 'stale', previous: kept === undefined ? undefined : fromViewItem(kept) };
    }
  }

  /**
   * Projectors may race (two shards, a replay). A view is a set of events that only grows, so a
   * write must hold everything the stored view holds: every lane at least as far, and more events
   * in all. A rebuild under a changed threshold rule replaces the view whatever it holds.
   */
  private conditionalPut(view: WalletView, options: PutViewOptions): PutCommandInput {
    const values: Record<string, unknown> = {
      ':count': view.eventCount,
      ':threshold': view.thresholdMinor,
      ':window': view.windowMs,
    };
    const lanesNotBehind = view.lanes.map((version, lane) => {
      values[`:lane${lane}`] = version;
      const bound = `#lanes[${lane}] <= :lane${lane}`;
      return lane === 0 ? bound : `(attribute_not_exists(#lanes[${lane}]) OR ${bound})`;
    });
    const superset = [
      options.replaceEqual ? 'eventCount <= :count' : 'eventCount < :count',
      `attribute_not_exists(#lanes[${view.lanes.length}])`,
      ...lanesNotBehind,
    ].join(' AND ');
    return {
      TableName: this.tableName,
      Item: toViewItem(view),
      ConditionExpression: `attribute_not_exists(pk) OR thresholdMinor <> :threshold OR windowMs <> :window OR (${superset})`,
      ExpressionAttributeNames: { '#lanes': 'lanes' },
      ExpressionAttributeValues: values,
    };
  }
}
