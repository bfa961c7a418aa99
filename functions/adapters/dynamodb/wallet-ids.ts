import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { WalletPageRequest } from '#ports/event-store.ts';
import { eventSk, walletIdFromPk, walletPk } from './table-layout/keys.ts';

/**
 * `EventStore.walletIds`: a parallel Scan segment, keeping only each wallet's first lane-0 event:
 * one item per wallet, whatever else the table holds. Pages are DynamoDB's (up to 1 MB read).
 * Its own module, loaded on first use (event-store-base.ts): only the replay jobs and the
 * checkpoint sweep list wallets, so writers leave it out of their bundles.
 */
export async function scanWalletIds(
  client: DynamoDBDocumentClient,
  tableName: string,
  page: WalletPageRequest,
): Promise<{ walletIds: string[]; nextCursor: string | null }> {
  const { walletIds, nextCursor } = await scanWalletPage(client, tableName, page);
  return { walletIds, nextCursor };
}

/** A page of wallets, and the other items the same Scan kept (none unless asked). */
export interface ScannedWalletPage {
  walletIds: string[];
  nextCursor: string | null;
  /** The items whose sort key `also` names (a prefix or a whole key), with `also.attributes`, in the Scan's order. */
  alsoItems: Record<string, unknown>[];
  /** The partition key the page started in (its cursor's), undefined for a segment's first page. */
  startPk: string | undefined;
  /** The partition key the page ended in (its next cursor's), undefined for a segment's last page. */
  endPk: string | undefined;
}

/** Other items a wallet page keeps: those whose sort key starts with one of `skPrefixes` or is one of `sks`. */
export interface AlsoKept {
  skPrefixes: readonly string[];
  sks?: readonly string[];
  attributes: readonly string[];
}

/**
 * One Scan page of the wallets (each wallet's first lane-0 event), and with `also` the items of
 * other kinds the page met (the checkpoint sweep's signed checkpoints, and the items it verifies a
 * wallet from: checkpoint-sweep-store.ts): a Scan is billed for every item it reads, kept or not,
 * so keeping them costs no read unit, only bytes of the answer. A Scan reads each partition's items
 * in sort-key order. `limit`: items read per page (tests split pages with it; else DynamoDB's 1 MB).
 */
export async function scanWalletPage(
  client: DynamoDBDocumentClient,
  tableName: string,
  page: WalletPageRequest,
  options: { also?: AlsoKept; limit?: number } = {},
): Promise<ScannedWalletPage> {
  const { also, limit } = options;
  const startKey = page.cursor === null ? undefined : (JSON.parse(page.cursor) as Record<string, unknown>);
  const result = await client.send(
    new ScanCommand({
      TableName: tableName,
      Segment: page.segment,
      TotalSegments: page.segments,
      ...(also !== undefined
        ? {
            FilterExpression: [
              '#a0 = :first',
              ...also.skPrefixes.map((_, index) => `begins_with(#a0, :p${index})`),
              ...(also.sks ?? []).map((_, index) => `#a0 = :k${index}`),
            ].join(' OR '),
            ExpressionAttributeValues: {
              ':first': eventSk(0, 1),
              ...Object.fromEntries(also.skPrefixes.map((prefix, index) => [`:p${index}`, prefix])),
              ...Object.fromEntries((also.sks ?? []).map((sk, index) => [`:k${index}`, sk])),
            },
            // Every attribute by a name: some (`hash`, `data`) are reserved words.
            ProjectionExpression: ATTRIBUTES(also.attributes)
              .map((_, index) => `#a${index}`)
              .join(', '),
            ExpressionAttributeNames: Object.fromEntries(
              ATTRIBUTES(also.attributes).map((name, index) => [`#a${index}`, name]),
            ),
          }
        : {
            FilterExpression: 'sk = :first',
            ExpressionAttributeValues: { ':first': eventSk(0, 1) },
            ProjectionExpression: 'pk',
          }),
      ...(limit === undefined ? {} : { Limit: limit }),
      ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
    }),
  );
  const first = eventSk(0, 1);
  const walletIds: string[] = [];
  const alsoItems: Record<string, unknown>[] = [];
  for (const item of result.Items ?? []) {
    if (also !== undefined) {
      const sk = String(item.sk);
      if (also.skPrefixes.some((prefix) => sk.startsWith(prefix)) || also.sks?.includes(sk) === true)
        alsoItems.push(item);
      if (sk !== first) continue;
    }
    const walletId = walletIdFromPk(String(item.pk));
    // Only a wallet's own partition lists it (lane 0 lives there): an item of another partition
    // (a shard's, or one put there to pose as the wallet) would make a page answer the wallet's
    // checkpoints from a partition that has none, and the sweep sign over a rewrite.
    if (walletId !== undefined && String(item.pk) === walletPk(walletId)) walletIds.push(walletId);
  }
  const endKey = result.LastEvaluatedKey;
  return {
    walletIds,
    nextCursor: endKey === undefined ? null : JSON.stringify(endKey),
    alsoItems,
    startPk: startKey === undefined ? undefined : String(startKey.pk),
    endPk: endKey === undefined ? undefined : String(endKey.pk),
  };
}

/** The key attributes first (`#a0` is `sk`, which the filter names), then the others asked. */
const ATTRIBUTES = (others: readonly string[]): string[] => [
  'sk',
  'pk',
  ...others.filter((name) => name !== 'sk' && name !== 'pk'),
];
