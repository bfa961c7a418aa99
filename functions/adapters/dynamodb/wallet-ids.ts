import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { WalletPageRequest } from '#ports/event-store.ts';
import { eventSk, walletIdFromPk } from './table-layout/keys.ts';

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
  const result = await client.send(
    new ScanCommand({
      TableName: tableName,
      Segment: page.segment,
      TotalSegments: page.segments,
      FilterExpression: 'sk = :first',
      ExpressionAttributeValues: { ':first': eventSk(0, 1) },
      ProjectionExpression: 'pk',
      ...(page.cursor === null
        ? {}
        : { ExclusiveStartKey: JSON.parse(page.cursor) as Record<string, unknown> }),
    }),
  );
  const walletIds = (result.Items ?? []).flatMap((item) => {
    const walletId = walletIdFromPk(String(item.pk));
    return walletId === undefined ? [] : [walletId];
  });
  return {
    walletIds,
    nextCursor: result.LastEvaluatedKey === undefined ? null : JSON.stringify(result.LastEvaluatedKey),
  };
}
