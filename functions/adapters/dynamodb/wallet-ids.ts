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
  /** The items whose sort key starts with `also.skPrefix`, with `also.attributes`. */
  alsoItems: Record<string, unknown>[];
  /** The partition key the page started in (its cursor's), undefined for a segment's first page. */
  startPk: string | undefined;
}

/**
 * One Scan page of the wallets (each wallet's first lane-0 event), and with `also` the items of
 * another kind the page met (the checkpoint sweep's signed checkpoints: checkpoint-sweep-store.ts):
 * a Scan is billed for every item it reads, kept or not, so keeping them costs no read unit, only
 * bytes of the answer. `limit`: items read per page (tests split pages with it; else DynamoDB's 1 MB).
 */
export async function scanWalletPage(
  client: DynamoDBDocumentClient,
  tableName: string,
  page: WalletPageRequest,
  also?: { skPrefix: string; attributes: readonly string[] },
  limit?: number,
): Promise<ScannedWalletPage> {
  const startKey = page.cursor === null ? undefined : (JSON.parse(page.cursor) as Record<string, unknown>);
  const result = await client.send(
    new ScanCommand({
      TableName: tableName,
      Segment: page.segment,
      TotalSegments: page.segments,
      ...(also !== undefined
        ? {
            FilterExpression: '#a0 = :first OR begins_with(#a0, :also)',
            ExpressionAttributeValues: { ':first': eventSk(0, 1), ':also': also.skPrefix },
            // Every attribute by a name: some (`hash`) are reserved words.
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
    if (also !== undefined && item.sk !== first) {
      alsoItems.push(item);
      continue;
    }
    const walletId = walletIdFromPk(String(item.pk));
    // Only a wallet's own partition lists it (lane 0 lives there): an item of another partition
    // (a shard's, or one put there to pose as the wallet) would make a page answer the wallet's
    // checkpoints from a partition that has none, and the sweep sign over a rewrite.
    if (walletId !== undefined && String(item.pk) === walletPk(walletId)) walletIds.push(walletId);
  }
  return {
    walletIds,
    nextCursor: result.LastEvaluatedKey === undefined ? null : JSON.stringify(result.LastEvaluatedKey),
    alsoItems,
    startPk: startKey === undefined ? undefined : String(startKey.pk),
  };
}

/** The key attributes first (`#a0` is `sk`, which the filter names), then the others asked. */
const ATTRIBUTES = (others: readonly string[]): string[] => [
  'sk',
  'pk',
  ...others.filter((name) => name !== 'sk' && name !== 'pk'),
];
