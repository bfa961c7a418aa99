import { type AttributeValue, QueryCommand as LowLevelQueryCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { fastEventAttributes, fromEventItem } from './table-layout/event-item.ts';
import type { StoredEvent } from './table-layout/event-item-fast.ts';
import { EVENT_SK_PREFIX, LANES_SK } from './table-layout/keys.ts';

/** Events per Query page of a read (DynamoDB stops a page at 1 MB anyway). */
export const READ_PAGE_SIZE = 500;

/**
 * The event items of one partition, from `EVENT#` up to `upTo` (inclusive), dense lane by lane,
 * and the LANES item when the range reaches it.
 */
export async function queryEvents(
  client: DynamoDBDocumentClient,
  tableName: string,
  walletId: string,
  pk: string,
  upTo: string,
): Promise<{ events: StoredEvent[]; registry: Record<string, unknown> | undefined }> {
  const events: StoredEvent[] = [];
  let registry: Record<string, unknown> | undefined;
  let startKey: Record<string, AttributeValue> | undefined;
  let lane = -1;
  let expectedVersion = 1;
  do {
    // The low-level command on the same client: items come in DynamoDB's wire form and are
    // parsed straight from it (fastEventAttributes), skipping the generic unmarshalling; an item
    // the fast path does not read is unmarshalled and read by the schema (fromEventItem).
    const result = (await client.send(
      new LowLevelQueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': { S: pk }, ':from': { S: EVENT_SK_PREFIX }, ':to': { S: upTo } },
        ConsistentRead: true,
        Limit: READ_PAGE_SIZE,
        ExclusiveStartKey: startKey,
      }) as never,
    )) as { Items?: Record<string, AttributeValue>[]; LastEvaluatedKey?: Record<string, AttributeValue> };
    for (const item of result.Items ?? []) {
      const sk = item.sk?.S ?? '';
      if (sk === LANES_SK) registry = unmarshall(item, { wrapNumbers: (text: string) => text });
      if (!sk.startsWith(EVENT_SK_PREFIX)) continue;
      const event =
        fastEventAttributes(item as never) ??
        (await fromEventItem(unmarshall(item, { wrapNumbers: (text: string) => text })));
      if (event.lane !== lane) {
        lane = event.lane;
        expectedVersion = 1;
      }
      // Versions are dense by construction; a hole means the table was edited by hand.
      if (event.version !== expectedVersion) {
        throw new Error(
          `readWallet: wallet ${walletId} lane ${lane} has no version ${expectedVersion} (found ${event.version})`,
        );
      }
      expectedVersion++;
      events.push(event);
    }
    startKey = result.LastEvaluatedKey;
  } while (startKey !== undefined);
  return { events, registry };
}
