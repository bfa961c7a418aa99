import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchExecuteStatementCommand,
  BatchGetCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type PutCommandInput,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { WalletView } from '#domain/wallet-view.ts';
import type { PutViewOptions, ReadModelStore, ViewWrite } from '#ports/read-models.ts';
import { VIEW_SK, walletPk } from './table-layout/keys.ts';
import { fromViewItem, toViewItem, VIEW_ITEM_ATTRIBUTES } from './table-layout/view-item.ts';

/** BatchGetItem takes 100 keys; TransactWriteItems 100 actions. */
const BATCH_GET_MAX = 100;
const TRANSACT_MAX = 100;
/** BatchExecuteStatement takes 25 statements. */
const STATEMENTS_MAX = 25;
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

  async getViews(walletIds: readonly string[]): Promise<Map<string, WalletView>> {
    const found = new Map<string, WalletView>();
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
          const view = fromViewItem(item);
          found.set(view.walletId, view);
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
   * putView for several views in one BatchExecuteStatement per 25: each view is its own PartiQL
   * statement, with putView's condition, answered on its own and billed as a single write (one
   * write unit per KB, as PutItem: not a transaction). A view folded from none is an INSERT, which
   * fails on an existing item as `attribute_not_exists(pk)` does; any other is an UPDATE that sets
   * every attribute of the item and removes those the view leaves out (the item comes out as
   * PutItem leaves it), under the same superset condition. An UPDATE also fails on a missing item,
   * which putView's PutItem creates: a refused UPDATE is sent again as putView sends it (one more
   * request, only when a condition failed), so every answer is putView's. A view of a wallet
   * already in the request goes in the next one (one statement per item in a request).
   */
  async putViewEach(writes: readonly ViewWrite[]): Promise<('written' | 'stale')[]> {
    const outcomes: ('written' | 'stale')[] = new Array(writes.length);
    let pending = writes.map((_, index) => index);
    while (pending.length > 0) {
      const chunk: number[] = [];
      const wallets = new Set<string>();
      const later: number[] = [];
      for (const index of pending) {
        const walletId = (writes[index] as ViewWrite).view.walletId;
        if (chunk.length < STATEMENTS_MAX && !wallets.has(walletId)) {
          chunk.push(index);
          wallets.add(walletId);
        } else later.push(index);
      }
      const result = await this.client.send(
        new BatchExecuteStatementCommand({
          Statements: chunk.map((index) => {
            const { view, options } = writes[index] as ViewWrite;
            return this.conditionalStatement(view, options ?? {});
          }),
        }),
      );
      const refused: number[] = [];
      for (const [at, index] of chunk.entries()) {
        const error = result.Responses?.[at]?.Error;
        const write = writes[index] as ViewWrite;
        if (error === undefined) outcomes[index] = 'written';
        else if (error.Code === 'DuplicateItem' && write.options?.onlyIfAbsent) outcomes[index] = 'stale';
        else if (error.Code === 'ConditionalCheckFailed') refused.push(index);
        else throw new Error(`putViewEach: ${error.Code ?? 'error'}: ${error.Message ?? ''}`);
      }
      // An UPDATE refused: its view was behind, or there was no item, which putView's PutItem
      // would create. Rare (a projector that lost a race), so that one goes as putView sends it,
      // and its answer is putView's in every case.
      for (const index of refused) {
        const write = writes[index] as ViewWrite;
        outcomes[index] = await this.putView(write.view, write.options);
      }
      pending = later;
    }
    return outcomes;
  }

  /** putView's write of one view as a PartiQL statement (see putViewEach). */
  private conditionalStatement(view: WalletView, options: PutViewOptions) {
    const item = toViewItem(view);
    const table = `"${this.tableName}"`;
    const present = VIEW_ITEM_ATTRIBUTES.filter((name) => item[name] !== undefined);
    if (options.onlyIfAbsent) {
      const fields = ['pk', 'sk', ...present];
      return {
        Statement: `INSERT INTO ${table} VALUE {${fields.map((name) => `'${name}': ?`).join(', ')}}`,
        Parameters: fields.map((name) => item[name]),
      };
    }
    const absent = VIEW_ITEM_ATTRIBUTES.filter((name) => item[name] === undefined);
    const parameters: unknown[] = present.map((name) => item[name]);
    parameters.push(item.pk, item.sk, view.thresholdMinor, view.windowMs, view.eventCount);
    const lanesNotBehind = view.lanes.map((version, lane) => {
      parameters.push(version);
      return lane === 0 ? `"lanes"[0] <= ?` : `("lanes"[${lane}] IS MISSING OR "lanes"[${lane}] <= ?)`;
    });
    const superset = [
      options.replaceEqual ? '"eventCount" <= ?' : '"eventCount" < ?',
      `"lanes"[${view.lanes.length}] IS MISSING`,
      ...lanesNotBehind,
    ].join(' AND ');
    return {
      Statement:
        `UPDATE ${table} ${present.map((name) => `SET "${name}" = ?`).join(' ')}` +
        `${absent.map((name) => ` REMOVE "${name}"`).join('')}` +
        ` WHERE "pk" = ? AND "sk" = ? AND ("thresholdMinor" <> ? OR "windowMs" <> ? OR (${superset}))`,
      Parameters: parameters,
    };
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
