import { BatchExecuteStatementCommand } from '@aws-sdk/lib-dynamodb';
import type { WalletView } from '#domain/wallet-view.ts';
import type { PutViewOptions, ReadModelStore, ViewWrite } from '#ports/read-models.ts';
import type { DynamoReadModelStore } from './read-models.ts';
import { toViewItem, viewItemSchema } from './table-layout/view-item.ts';

/** BatchExecuteStatement takes 25 statements. */
const STATEMENTS_MAX = 25;

/** Every attribute a view item may hold besides its keys: what an UPDATE that replaces it sets or removes. */
const VIEW_ITEM_ATTRIBUTES: readonly string[] = ['kind', ...Object.keys(viewItemSchema.shape)];

/**
 * The read-model store with `putViewEach`: the projector's (composition/lambda.ts projectorDeps),
 * in a module of its own so that the functions that only read views, or replay them, do not carry
 * it.
 *
 * putViewEach is putView for several views in one BatchExecuteStatement per 25: each view is its
 * own PartiQL statement, with putView's condition, answered on its own and billed as a single write
 * (one write unit per KB, as PutItem: not a transaction). A view folded from none is an INSERT,
 * which fails on an existing item as `attribute_not_exists(pk)` does; any other is an UPDATE that
 * sets every attribute of the item and removes those the view leaves out (the item comes out as
 * PutItem leaves it), under the same superset condition. An UPDATE also fails on a missing item,
 * which putView's PutItem creates: a refused UPDATE is sent again as putView sends it (one more
 * request, only when a condition failed), so every answer is putView's. A view of a wallet already
 * in the request goes in the next one (one statement per item in a request).
 */
export function withViewStatements(store: DynamoReadModelStore): ReadModelStore {
  return {
    getView: (walletId) => store.getView(walletId),
    getViews: (walletIds) => store.getViews(walletIds),
    putView: (view, options) => store.putView(view, options),
    putViews: (views) => store.putViews(views),
    putViewEach: (writes) => putViewEach(store, writes),
  };
}

async function putViewEach(
  store: DynamoReadModelStore,
  writes: readonly ViewWrite[],
): Promise<('written' | 'stale')[]> {
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
    const result = await store.client.send(
      new BatchExecuteStatementCommand({
        Statements: chunk.map((index) => {
          const { view, options } = writes[index] as ViewWrite;
          return conditionalStatement(store.tableName, view, options ?? {});
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
    // An UPDATE refused: its view was behind, or there was no item, which putView's PutItem would
    // create. Rare (a projector that lost a race), so that one goes as putView sends it, and its
    // answer is putView's in every case.
    for (const index of refused) {
      const write = writes[index] as ViewWrite;
      outcomes[index] = await store.putView(write.view, write.options);
    }
    pending = later;
  }
  return outcomes;
}

/** putView's write of one view as a PartiQL statement (see withViewStatements). */
function conditionalStatement(tableName: string, view: WalletView, options: PutViewOptions) {
  const item = toViewItem(view);
  const table = `"${tableName}"`;
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
  // As putView's condition (read-models.ts conditionalPut), in PartiQL.
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
