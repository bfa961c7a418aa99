import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { AwardRange, CorrectionLink, ReadIndexChange, ReadIndexes } from '#ports/read-indexes.ts';
import { lanePk, VERSION_MAX, walletPk } from './table-layout/keys.ts';
import {
  awardsSk,
  correctedSk,
  fromAwardRangeItem,
  fromCorrectionItem,
  INDEXED_SK,
  toAwardRangeItem,
  toCorrectionItem,
  toIndexedItem,
} from './table-layout/read-index-items.ts';

type TransactItem = NonNullable<TransactWriteCommand['input']['TransactItems']>[number];

/**
 * The read-index writes of an append, one Put each (see ports/read-indexes.ts). Unconditioned, as
 * the trading index's: the events' version conditions decide whether the transaction happens, and
 * each item's key is fixed by the events' own places, so a put is the same however often it runs.
 */
export function readIndexTransactItems(tableName: string, change: ReadIndexChange): TransactItem[] {
  switch (change.kind) {
    case 'indexed':
      return [{ Put: { TableName: tableName, Item: toIndexedItem(change.walletId) } }];
    case 'awards':
      return [{ Put: { TableName: tableName, Item: toAwardRangeItem(change.walletId, change.range) } }];
    case 'correction':
      return [{ Put: { TableName: tableName, Item: toCorrectionItem(change.walletId, change.link) } }];
  }
}

/** Query rounds one listing may take from an index (each up to the page it asks for). */
const ROUNDS_MAX = 20;

/** The read indexes in the single table (table-layout/read-index-items.ts). */
export class DynamoReadIndexes implements ReadIndexes {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async indexed(walletId: string): Promise<boolean> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: walletPk(walletId), sk: INDEXED_SK },
        ConsistentRead: true,
        ProjectionExpression: 'pk',
      }),
    );
    return result.Item !== undefined;
  }

  async awardRanges(
    walletId: string,
    lane: number,
    fromVersion: number,
    limit: number,
  ): Promise<AwardRange[]> {
    const items = await this.query(
      lanePk(walletId, lane),
      awardsSk(lane, fromVersion),
      awardsSk(lane, VERSION_MAX),
      limit,
    );
    return items.map(fromAwardRangeItem);
  }

  async correctionsOf(
    walletId: string,
    lane: number,
    fromVersion: number,
    toVersion: number,
  ): Promise<CorrectionLink[]> {
    // `#` sorts before every digit, so `…#<to>#~` bounds every correction of version `to`.
    const items = await this.query(
      walletPk(walletId),
      correctedSk(lane, fromVersion),
      `${correctedSk(lane, toVersion)}~`,
      undefined,
    );
    return items.map(fromCorrectionItem);
  }

  private async query(
    pk: string,
    from: string,
    to: string,
    limit: number | undefined,
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    for (let round = 0; round < ROUNDS_MAX; round++) {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': pk, ':from': from, ':to': to },
          ConsistentRead: true,
          ...(limit === undefined ? {} : { Limit: limit - items.length }),
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(result.Items ?? []));
      startKey = result.LastEvaluatedKey;
      if (startKey === undefined || (limit !== undefined && items.length >= limit)) return items;
    }
    throw new Error(`read index: more than ${ROUNDS_MAX} query rounds under ${pk}`);
  }
}
