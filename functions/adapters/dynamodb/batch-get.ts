import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** BatchGetItem takes 100 keys a request. */
const KEYS_PER_REQUEST = 100;
/** Rounds while DynamoDB leaves keys unprocessed (it does under throttling). */
const ROUNDS_MAX = 8;

/** The attributes a BatchGetItem answers of each item (all without). */
export interface Projection {
  ProjectionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
}

/**
 * The items at `keys` (strongly consistent), in BatchGetItem requests of 100 sent at once, each
 * retrying the keys DynamoDB leaves unprocessed with a growing pause. Keys that hold no item are
 * left out. Throws when keys stay unprocessed after the last round (`what` names the caller).
 */
export async function batchGetItems(
  client: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly Record<string, unknown>[],
  what: string,
  projection?: Projection,
): Promise<Record<string, unknown>[]> {
  const requests: Promise<Record<string, unknown>[]>[] = [];
  for (let from = 0; from < keys.length; from += KEYS_PER_REQUEST)
    requests.push(
      batchGetRounds(client, tableName, keys.slice(from, from + KEYS_PER_REQUEST), what, projection),
    );
  return (await Promise.all(requests)).flat();
}

async function batchGetRounds(
  client: DynamoDBDocumentClient,
  tableName: string,
  keys: Record<string, unknown>[],
  what: string,
  projection: Projection | undefined,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let left = keys;
  for (let round = 0; round < ROUNDS_MAX && left.length > 0; round++) {
    if (round > 0) await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** round));
    const result = await client.send(
      new BatchGetCommand({
        RequestItems: { [tableName]: { Keys: left, ConsistentRead: true, ...projection } },
      }),
    );
    items.push(...(result.Responses?.[tableName] ?? []));
    left = (result.UnprocessedKeys?.[tableName]?.Keys ?? []) as Record<string, unknown>[];
  }
  if (left.length > 0) throw new Error(`${what}: ${left.length} keys left unread by DynamoDB`);
  return items;
}
