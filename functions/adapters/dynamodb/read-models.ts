import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type PutCommandInput,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { WalletView } from '#domain/wallet-view.ts';
import type { PutViewOptions, ReadModelStore } from '#ports/read-models.ts';
import { VIEW_SK, walletPk } from './table-layout/keys.ts';
import { readableViewItem, toViewItem } from './table-layout/view-item.ts';

/** BatchGetItem takes 100 keys; TransactWriteItems 100 actions. */
const BATCH_GET_MAX = 100;
const TRANSACT_MAX = 100;
const UNPROCESSED_ATTEMPTS_MAX = 10;
const UNPROCESSED_BACKOFF_MS = 20;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class DynamoReadModelStore implements ReadModelStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getView(walletId: string): Promise<WalletView | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: walletPk(walletId), sk: VIEW_SK } }),
    );
    return result.Item === undefined ? undefined : readableViewItem(result.Item);
  }

  /**
   * A view item that does not read (edited, or written by something else) is a view not there to
   * every reader (getView, getViews: the reads fold the log instead), and the next write of the
   * wallet's view replaces it: the projector's or a replay's. Before, every read of the wallet, its
   * projection and its replay threw on it (500s), and nothing could repair it. The replacement is
   * conditioned on the item as it was refused (its `updatedAtMs`, or its lack of one), so a view
   * written meanwhile is kept.
   */
  async putView(view: WalletView, options: PutViewOptions = {}): Promise<'written' | 'stale'> {
    try {
      await this.client.send(
        new PutCommand({
          ...this.conditionalPut(view, options),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'written';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // As the document client reads items (numbers as their text), to judge it as getView does.
      const stored =
        error.Item === undefined ? undefined : unmarshall(error.Item, { wrapNumbers: (text) => text });
      if (stored === undefined || readableViewItem(stored) !== undefined) return 'stale';
      // Its `updatedAtMs` as stored (a number stays a number, as a NumberValue), for the condition.
      const seen = error.Item?.updatedAtMs;
      return this.replaceUnreadable(
        view,
        seen === undefined ? undefined : unmarshall({ seen }, { wrapNumbers: true }).seen,
      );
    }
  }

  private async replaceUnreadable(view: WalletView, seen: unknown): Promise<'written' | 'stale'> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toViewItem(view),
          ...(seen === undefined
            ? { ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(updatedAtMs)' }
            : {
                ConditionExpression: 'updatedAtMs = :seen',
                ExpressionAttributeValues: { ':seen': seen },
              }),
        }),
      );
      return 'written';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'stale';
      throw error;
    }
  }

  async getViews(walletIds: readonly string[]): Promise<Map<string, WalletView>> {
    const found = new Map<string, WalletView>();
    const byPartition = new Map(walletIds.map((walletId) => [walletPk(walletId), walletId]));
    for (let start = 0; start < walletIds.length; start += BATCH_GET_MAX) {
      let keys: Record<string, unknown>[] | undefined = walletIds
        .slice(start, start + BATCH_GET_MAX)
        .map((walletId) => ({ pk: walletPk(walletId), sk: VIEW_SK }));
      for (let attempt = 0; keys !== undefined && keys.length > 0; attempt++) {
        if (attempt > 0) await sleep(UNPROCESSED_BACKOFF_MS * 2 ** Math.min(attempt, 6));
        if (attempt > UNPROCESSED_ATTEMPTS_MAX)
          throw new Error('getViews: BatchGetItem kept keys unprocessed');
        const result: BatchGetCommandOutput = await this.client.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of result.Responses?.[this.tableName] ?? []) {
          // Under the key it was asked for, not the wallet its attribute names: a view item that
          // names another wallet (tampered) still stands for the wallet whose key holds it, as
          // `getView` reads it, and a verify compares it with that wallet's log.
          const asked = byPartition.get(String(item.pk));
          const view = asked === undefined ? undefined : readableViewItem(item);
          if (asked !== undefined && view !== undefined) found.set(asked, view);
        }
        keys = result.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return found;
  }

  async putViews(views: readonly WalletView[]): Promise<('written' | 'stale')[]> {
    const outcomes: ('written' | 'stale')[] = [];
    for (let start = 0; start < views.length; start += TRANSACT_MAX) {
      const group = views.slice(start, start + TRANSACT_MAX);
      if (group.length === 1) {
        outcomes.push(await this.putView(group[0] as WalletView, { replaceEqual: true }));
        continue;
      }
      // One request for the group: the per-request cost dominates a view's write. All or nothing,
      // so when any condition fails (a projector got further) each view is put on its own.
      try {
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: group.map((view) => ({ Put: this.conditionalPut(view, { replaceEqual: true }) })),
          }),
        );
        for (const _ of group) outcomes.push('written');
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        for (const view of group) outcomes.push(await this.putView(view, { replaceEqual: true }));
      }
    }
    return outcomes;
  }

  /**
   * Projectors may race (two shards, a replay). A view is a set of events that only grows, so a
   * write must hold everything the stored view holds: every lane at least as far, and more events
   * in all. A rebuild under a changed threshold rule replaces the view whatever it holds.
   */
  private conditionalPut(view: WalletView, options: PutViewOptions): PutCommandInput {
    if (options.onlyIfAbsent)
      return {
        TableName: this.tableName,
        Item: toViewItem(view),
        ConditionExpression: 'attribute_not_exists(pk)',
      };
    const values: Record<string, unknown> = {
      ':count': view.eventCount,
      ':threshold': view.thresholdMinor,
      ':window': view.windowMs,
    };
    // Short names: a view of all 64 lanes makes 64 terms, and an expression may be 4 KB at most.
    const lanesNotBehind = view.lanes.map((version, lane) => {
      values[`:l${lane}`] = version;
      const bound = `#l[${lane}] <= :l${lane}`;
      return lane === 0 ? bound : `(attribute_not_exists(#l[${lane}]) OR ${bound})`;
    });
    const superset = [
      options.replaceEqual ? 'eventCount <= :count' : 'eventCount < :count',
      `attribute_not_exists(#l[${view.lanes.length}])`,
      ...lanesNotBehind,
    ].join(' AND ');
    return {
      TableName: this.tableName,
      Item: toViewItem(view),
      ConditionExpression: `attribute_not_exists(pk) OR thresholdMinor <> :threshold OR windowMs <> :window OR (${superset})`,
      ExpressionAttributeNames: { '#l': 'lanes' },
      ExpressionAttributeValues: values,
    };
  }
}
