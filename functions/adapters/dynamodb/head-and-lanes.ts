import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { StreamHead } from '#ports/event-store.ts';
import { fromEventItems } from './table-layout/event-item.ts';
import type { StoredEvent } from './table-layout/event-item-fast.ts';
import { EVENT_SK_PREFIX, LANES_SK, laneFromEventSk, walletPk } from './table-layout/keys.ts';
import { fromLanesItem } from './table-layout/lanes-item.ts';

/**
 * The lane registry and lane 0's last `count` events in ONE Query (EventStore.tailAndLanes): the
 * registry's sort key, LANES, sorts right after every `EVENT#` key of the wallet's own partition,
 * so reading that range backwards meets the registry first, then the legacy read-index marker
 * (`INDEXED`) if the wallet has one, then the events from the highest lane kept there down:
 * lane 0's, newest first, since lanes 1–31 (the only other lanes under the wallet's own key) hold
 * only logs written before lane shards. A page of `count` + 2 items therefore holds lane 0's last
 * `count` events, or all of them when it has fewer (the page then ends the range), unless a legacy
 * lane's events share the page: then fewer.
 *
 * `tail`: lane 0's events the page met, ascending: a run that ends at lane 0's head as the
 * (consistent) read found it, and starts at version 1 only when lane 0 has no earlier event; `[]`
 * when the whole range holds no event of lane 0. Undefined when the page ended before lane 0
 * (events of a legacy lane filled it): the caller reads lane 0 itself.
 */
export async function tailAndLanes(
  client: DynamoDBDocumentClient,
  tableName: string,
  walletId: string,
  count: number,
): Promise<{ tail: StoredEvent[] | undefined; lanes: number[] }> {
  const result = await client.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': walletPk(walletId), ':from': EVENT_SK_PREFIX, ':to': LANES_SK },
      ScanIndexForward: false,
      // The registry and the legacy marker: two items at most before lane 0's head.
      Limit: count + 2,
      ConsistentRead: true,
    }),
  );
  const items = result.Items ?? [];
  const lanes = fromLanesItem(items.find((item) => item.sk === LANES_SK));
  const laneZero = items.filter((item) => typeof item.sk === 'string' && laneFromEventSk(item.sk) === 0);
  // No event of lane 0 in a page cut short: it may be past the page (a legacy lane's events).
  if (laneZero.length === 0 && result.LastEvaluatedKey !== undefined) return { tail: undefined, lanes };
  return { tail: await fromEventItems(laneZero.reverse()), lanes };
}

/**
 * Lane 0's head and the lane registry in ONE Query (EventStore.headAndLanes): tailAndLanes' page
 * for one event. When a legacy lane's events fill it, lane 0's head is read on its own: the answer
 * is the same, at one more request.
 */
export async function headAndLanes(
  client: DynamoDBDocumentClient,
  tableName: string,
  walletId: string,
  headOfLane0: () => Promise<StreamHead>,
): Promise<{ head: StreamHead; lanes: number[] }> {
  const { tail, lanes } = await tailAndLanes(client, tableName, walletId, 1);
  if (tail === undefined) return { head: await headOfLane0(), lanes };
  const last = tail.at(-1);
  return {
    head: last === undefined ? { version: 0, hash: '' } : { version: last.version, hash: last.hash },
    lanes,
  };
}
