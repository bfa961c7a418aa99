/**
 * The index items an append writes beside its events (ports/trading-index.ts IndexChange): the
 * read indexes' for every store, and the trading index's and payment listings' (offer, expiry and
 * payment items) through the writer the store was given (AppendKinds.indexItems): a function
 * whose writes change no offer, expiry or listing (a deposit, a correction) bundles none of their
 * item code, and one whose writes change only a listing (payments, the webhook) only its. A change
 * no writer takes is refused, never dropped.
 */
import type { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { IndexChange } from '#ports/trading-index.ts';
import { readIndexTransactItems } from './read-indexes.ts';

export type TransactItem = NonNullable<TransactWriteCommand['input']['TransactItems']>[number];

/** An offer, expiry or payment change as items; undefined for a kind it does not write (index-item-writers.ts). */
export type IndexItemWriter = (tableName: string, change: IndexChange) => TransactItem[] | undefined;

/** An append's index changes as items, in order. */
export type IndexItems = (changes: readonly IndexChange[] | undefined) => TransactItem[];

/**
 * The index writes of an append, for its TransactWriteItems. None is conditioned: the events'
 * version conditions already decide whether the transaction happens, and a put or delete of an
 * index item is the same whether it ran before or not.
 */
export function indexTransactItems(
  tableName: string,
  changes: readonly IndexChange[] | undefined,
  writer: IndexItemWriter | undefined,
): TransactItem[] {
  return (changes ?? []).flatMap((change) => {
    if (change.kind !== 'offer' && change.kind !== 'expiry' && change.kind !== 'payment')
      return readIndexTransactItems(tableName, change);
    const items = writer?.(tableName, change);
    if (items === undefined) throw new Error(`append: no ${change.kind} item writer`);
    return items;
  });
}

/** How many items the index writes of these changes take in a transaction. */
export const indexItemCount = (changes: readonly IndexChange[] | undefined): number =>
  (changes ?? []).reduce((sum, change) => sum + (change.kind === 'offer' && change.from ? 2 : 1), 0);
