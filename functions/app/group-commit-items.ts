/**
 * What fits in one group-commit transaction (group-commit.ts, group-commit-two.ts): the item limit,
 * and the name of each index item a part writes (DynamoDB refuses two operations on one item).
 */
import type { IndexChange } from '#ports/trading-index.ts';

/** DynamoDB's item limit for one transaction: events, index items, keys and a lane registration. */
export const GROUP_ITEMS_MAX = 100;

/** Stands for index items this module cannot name: such a part shares its transaction with no other indexed part. */
export const EXCLUSIVE = '*';

/**
 * The index item a change writes, by what names it (two parts of one transaction must not write
 * one item); undefined for kinds not known here. The read indexes name their part's own versions.
 */
export function indexItemOf(change: IndexChange): string | undefined {
  switch (change.kind) {
    case 'offer':
      return `offer:${change.offer.offerId}`;
    case 'expiry':
      return `expiry:${change.entry.walletId}:${change.entry.holdId}`;
    case 'indexed':
      return `indexed:${change.walletId}`;
    case 'awards':
      return `awards:${change.walletId}:${change.range.lane}:${change.range.toVersion}`;
    case 'correction':
      return `corrected:${change.walletId}:${change.link.target.lane}:${change.link.target.version}:${change.link.correctionVersion}`;
    default:
      return undefined;
  }
}
