import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGetItems } from './batch-get.ts';
import { LANES_SK, walletPk } from './table-layout/keys.ts';
import { fromLanesItem } from './table-layout/lanes-item.ts';

/**
 * `EventStore.lanesOf` on DynamoDB: several wallets' lane registries (strongly consistent), in
 * BatchGetItem requests instead of a GetItem each. Every wallet asked is in the answer: one
 * without a registry item has lane 0 only, as `lanes` answers. Its own module, handed in
 * (AppendKinds): only the checkpoint sweep reads a slice of wallets' registries at once.
 */
export async function walletLanes(
  client: DynamoDBDocumentClient,
  tableName: string,
  walletIds: readonly string[],
): Promise<Map<string, number[]>> {
  const unique = [...new Set(walletIds)];
  const items = await batchGetItems(
    client,
    tableName,
    unique.map((walletId) => ({ pk: walletPk(walletId), sk: LANES_SK })),
    'lanesOf',
  );
  const byPk = new Map(items.map((item) => [String(item.pk), item] as const));
  return new Map(unique.map((walletId) => [walletId, fromLanesItem(byPk.get(walletPk(walletId)))]));
}
