import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
  type TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { AwardRange, CorrectionLink, ReadIndexChange, ReadIndexes } from '#ports/read-indexes.ts';
import { eventSk, lanePk, VERSION_MAX, walletPk } from './table-layout/keys.ts';
import {
  awardsSk,
  correctedSk,
  fromAwardRangeItem,
  fromCorrectionItem,
  INDEXED_ATTRIBUTE,
  INDEXED_SK,
  toAwardRangeItem,
  toCorrectionItem,
} from './table-layout/read-index-items.ts';

type TransactItem = NonNullable<TransactWriteCommand['input']['TransactItems']>[number];

/**
 * The read-index writes of an append, one Put each (see ports/read-indexes.ts). Unconditioned, as
 * the trading index's: the events' version conditions decide whether the transaction happens, and
 * each item's key is fixed by the events' own places, so a put is the same however often it runs.
 * The `indexed` marker is no item: it is an attribute of the wallet's first event (markIndexed).
 */
export function readIndexTransactItems(tableName: string, change: ReadIndexChange): TransactItem[] {
  switch (change.kind) {
    case 'indexed':
      return [];
    case 'awards':
      return [{ Put: { TableName: tableName, Item: toAwardRangeItem(change.walletId, change.range) } }];
    case 'correction':
      return [{ Put: { TableName: tableName, Item: toCorrectionItem(change.walletId, change.link) } }];
  }
}

/**
 * The `indexed` marker as an attribute of the wallet's first event item (lane 0, version 1), set
 * on that item's Put among `items`: the same guarantee as the marker item it replaces (written in
 * the same transaction, so it exists iff the first event does), without an item of its own, which
 * in AWS cost 2 write units in the transaction. Every write path that assembles a transaction
 * with `index` changes calls it after its event puts.
 */
export function markIndexed(
  items: TransactItem[],
  changes: readonly { kind: string; walletId?: string }[] | undefined,
): void {
  for (const change of changes ?? []) {
    if (change.kind !== 'indexed' || change.walletId === undefined) continue;
    const [pk, sk] = [walletPk(change.walletId), eventSk(0, 1)];
    const first = items.find((item) => item.Put?.Item?.pk === pk && item.Put.Item.sk === sk)?.Put;
    if (first?.Item === undefined) {
      throw new Error(`read index: no first event of ${change.walletId} in the transaction to mark indexed`);
    }
    first.Item = { ...first.Item, [INDEXED_ATTRIBUTE]: true };
  }
}

/** BatchGetItem rounds `indexed` may take while DynamoDB leaves keys unprocessed. */
const BATCH_GET_ROUNDS_MAX = 5;

/** Query rounds one listing may take from an index (each up to the page it asks for). */
const ROUNDS_MAX = 20;

/** The read indexes in the single table (table-layout/read-index-items.ts). */
export class DynamoReadIndexes implements ReadIndexes {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * The first event's `indexed` attribute, or the `INDEXED` item that wallets begun before it was
   * an attribute carry: both in one BatchGetItem, one round trip as the one GetItem was.
   */
  async indexed(walletId: string): Promise<boolean> {
    let keys: Record<string, unknown>[] = [
      { pk: walletPk(walletId), sk: eventSk(0, 1) },
      { pk: walletPk(walletId), sk: INDEXED_SK },
    ];
    for (let round = 0; round < BATCH_GET_ROUNDS_MAX && keys.length > 0; round++) {
      const result = await this.client.send(
        new BatchGetCommand({
          RequestItems: {
            [this.tableName]: {
              Keys: keys,
              ConsistentRead: true,
              ProjectionExpression: 'sk, #indexed',
              ExpressionAttributeNames: { '#indexed': INDEXED_ATTRIBUTE },
            },
          },
        }),
      );
      for (const item of result.Responses?.[this.tableName] ?? []) {
        if (item.sk === INDEXED_SK || item[INDEXED_ATTRIBUTE] === true) return true;
      }
      keys = (result.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
    }
    if (keys.length > 0) throw new Error(`read index: DynamoDB left ${walletId}'s marker unread`);
    return false;
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
