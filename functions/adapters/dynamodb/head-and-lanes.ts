import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { StreamHead } from '#ports/event-store.ts';
import { fromEventItem } from './table-layout/event-item.ts';
import { EVENT_SK_PREFIX, LANES_SK, laneFromEventSk, walletPk } from './table-layout/keys.ts';
import { fromLanesItem } from './table-layout/lanes-item.ts';

/**
 * Lane 0's head and the lane registry in ONE Query (EventStore.headAndLanes): the registry's sort
 * key, LANES, sorts right after every `EVENT#` key of the wallet's own partition, so reading that
 * range backwards meets the registry first and then the last event of the highest lane kept there
 * — lane 0's head, since lanes 1–31 (the only other lanes under the wallet's own key) hold only
 * logs written before lane shards. Between them there may be the legacy read-index marker
 * (`INDEXED`). When the first event met is of another lane, or the page ends before any event,
 * lane 0's head is read on its own: the answer is the same, at one more request.
 */
export async function headAndLanes(
  client: DynamoDBDocumentClient,
  tableName: string,
  walletId: string,
  headOfLane0: () => Promise<StreamHead>,
): Promise<{ head: StreamHead; lanes: number[] }> {
  const result = await client.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': walletPk(walletId), ':from': EVENT_SK_PREFIX, ':to': LANES_SK },
      ScanIndexForward: false,
      // The registry, the legacy marker, the head: three items at most before lane 0's head.
      Limit: 3,
      ConsistentRead: true,
    }),
  );
  const items = result.Items ?? [];
  const lanes = fromLanesItem(items.find((item) => item.sk === LANES_SK));
  const first = items.find((item) => typeof item.sk === 'string' && item.sk.startsWith(EVENT_SK_PREFIX));
  if (first !== undefined && laneFromEventSk(first.sk as string) === 0) {
    const last = await fromEventItem(first);
    return { head: { version: last.version, hash: last.hash }, lanes };
  }
  // No event in the whole range (the page was not cut short): lane 0 is empty.
  if (first === undefined && result.LastEvaluatedKey === undefined)
    return { head: { version: 0, hash: '' }, lanes };
  return { head: await headOfLane0(), lanes };
}
