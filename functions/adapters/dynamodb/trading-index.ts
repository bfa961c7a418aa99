import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type {
  ExpiryEntry,
  ExpiryIndex,
  ExpiryPage,
  OfferBook,
  OfferBookPage,
  OfferBookQuery,
  OfferListing,
} from '#ports/trading-index.ts';
import { expiryKey, fromExpiryItem, fromSweepMark, sweepMarkKey } from './table-layout/expiry-item.ts';
import { expiryBucket, expiryPk, expirySkPrefix, offerBookPk } from './table-layout/keys.ts';
import { fromOfferItem } from './table-layout/offer-item.ts';

/** Query rounds one book page may take when filtering lapsed open offers (each up to `limit` + 1 items). */
const BOOK_ROUNDS_MAX = 10;
/** Minute buckets one call of `due` reads at most (a sweep that fell behind calls again). */
export const BUCKETS_PER_SWEEP_MAX = 240;
/**
 * Without a sweep mark (a new table, or the first sweep since the index existed), start this many
 * minutes back: the sweeper is deployed with the code that writes entries, so none is older.
 */
export const FIRST_SWEEP_LOOKBACK_BUCKETS = 60;
/**
 * The mark never passes this many minutes before now: a hold placed by a function whose clock is
 * behind the sweeper's may land in a minute the sweep has read already; those minutes are re-read.
 */
export const CLOCK_SKEW_BUCKETS = 5;
/** Minute buckets `due` reads at the same time. */
const BUCKETS_AT_ONCE = 8;

/**
 * The offer book in the single table (keys.ts, offer-item.ts): what the offers function reads. A
 * class of its own, so the offers function does not carry the expiry index's sweep reads below.
 */
export class DynamoOfferBook implements OfferBook {
  constructor(
    protected readonly client: DynamoDBDocumentClient,
    protected readonly tableName: string,
  ) {}

  /**
   * One page of the book, best price per unit first. An open offer past its expiry is left out
   * (its sweep may not have run yet); such gaps can make a page shorter than `limit`, never wrong.
   */
  async list(query: OfferBookQuery): Promise<OfferBookPage> {
    const pk = offerBookPk(query.asset, query.status);
    const offers: (OfferListing & { sk: string })[] = [];
    let startKey: Record<string, unknown> | undefined =
      query.after === undefined ? undefined : { pk, sk: query.after };
    for (let round = 0; round < BOOK_ROUNDS_MAX; round++) {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ...(query.status === 'open'
            ? {
                FilterExpression: 'expiresAtMs > :now',
                ExpressionAttributeValues: { ':pk': pk, ':now': query.nowMs },
              }
            : { ExpressionAttributeValues: { ':pk': pk } }),
          ConsistentRead: true,
          Limit: query.limit - offers.length + 1,
          ExclusiveStartKey: startKey,
        }),
      );
      offers.push(...(result.Items ?? []).map(fromOfferItem));
      startKey = result.LastEvaluatedKey;
      if (offers.length > query.limit) {
        // One more than asked: there is a next page, starting after the last one listed.
        const page = offers.slice(0, query.limit);
        return { offers: page.map(withoutKey), next: page.at(-1)?.sk as string };
      }
      if (startKey === undefined) return { offers: offers.map(withoutKey) };
    }
    // Out of rounds (a long run of lapsed offers): a short page, continuing where the reading stopped.
    return { offers: offers.map(withoutKey), next: String(startKey?.sk) };
  }
}

/**
 * The offer book and the expiry index in the single table (keys.ts, offer-item.ts,
 * expiry-item.ts). The payment listings, written by `indexTransactItems` too, are read by their
 * own adapter (payment-index.ts): the offers and sweep functions never list payments, and the
 * payment functions never read the book.
 */
export class DynamoTradingIndex extends DynamoOfferBook implements ExpiryIndex {
  /**
   * The due entries in bucket order, as reading the buckets one after another would give them,
   * read a window at a time: a sweep waits on the table once per BUCKETS_AT_ONCE buckets, not once
   * per bucket. The last CLOCK_SKEW_BUCKETS + 1 buckets, which every sweep reads (the mark stays
   * that far behind), are read together with the mark.
   */
  async due(nowMs: number, limit: number): Promise<ExpiryPage> {
    const current = expiryBucket(nowMs);
    const reads = new Map<number, Promise<ExpiryEntry[]>>();
    const read = (bucket: number, want: number) => {
      let pending = reads.get(bucket);
      if (pending === undefined) {
        pending = this.bucket(bucket, nowMs, want);
        // Handled here: a read past where the page fills is never awaited; one that is still fails the call.
        pending.catch(() => undefined);
        reads.set(bucket, pending);
      }
      return pending;
    };
    try {
      for (let bucket = current - CLOCK_SKEW_BUCKETS; bucket <= current; bucket++) read(bucket, limit);
      const marked = await this.marked();
      const from = marked ?? current - FIRST_SWEEP_LOOKBACK_BUCKETS;
      const last = Math.min(current, from + BUCKETS_PER_SWEEP_MAX - 1);
      const entries: ExpiryEntry[] = [];
      let firstLeft: number | undefined;
      let bucket = from;
      while (bucket <= last && entries.length < limit) {
        // The window's reads are sent together, their entries taken in bucket order.
        const window: Promise<ExpiryEntry[]>[] = [];
        for (let next = bucket; next <= last && next < bucket + BUCKETS_AT_ONCE; next++)
          window.push(read(next, limit - entries.length));
        for (const pending of window) {
          const found = await pending;
          if (found.length > 0) firstLeft ??= bucket;
          entries.push(...found.slice(0, limit - entries.length));
          if (entries.length >= limit) break;
          bucket++;
        }
      }
      // Buckets before the first with entries are clean (their holds ended and entries dropped).
      await this.mark(Math.min(firstLeft ?? bucket, current - CLOCK_SKEW_BUCKETS), marked);
      return { entries, more: entries.length >= limit || bucket <= current };
    } finally {
      // No read is left in flight when the call ends (a Lambda may be frozen right after).
      await Promise.allSettled(reads.values());
    }
  }

  private async marked(): Promise<number | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: sweepMarkKey, ConsistentRead: true }),
    );
    return fromSweepMark(result.Item);
  }

  /** Up to `want` entries of one minute bucket due by `nowMs`, in sort-key order. */
  private async bucket(bucket: number, nowMs: number, want: number): Promise<ExpiryEntry[]> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk < :upTo',
        ExpressionAttributeValues: { ':pk': expiryPk(bucket), ':upTo': expirySkPrefix(nowMs + 1) },
        ConsistentRead: true,
        Limit: want,
      }),
    );
    return (result.Items ?? []).map(fromExpiryItem);
  }

  async remove(entry: ExpiryEntry): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: expiryKey(entry) }));
  }

  /** Moves the sweep mark forward only: two sweeps racing keep the further mark. */
  private async mark(bucket: number, marked: number | undefined): Promise<void> {
    if (marked !== undefined && bucket <= marked) return;
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: sweepMarkKey,
          // Both words are reserved in DynamoDB expressions.
          UpdateExpression: 'SET #bucket = :bucket, #kind = :kind',
          ConditionExpression: 'attribute_not_exists(#bucket) OR #bucket < :bucket',
          ExpressionAttributeNames: { '#bucket': 'bucket', '#kind': 'kind' },
          ExpressionAttributeValues: { ':bucket': bucket, ':kind': 'sweep-mark' },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

const withoutKey = ({ sk: _sk, ...offer }: OfferListing & { sk: string }): OfferListing => offer;
