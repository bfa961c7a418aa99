/**
 * A function's floor for `bench/cold/floor.ts`: the baseline's client (built the same way, at
 * import), sending the DynamoDB command kinds a function's first call sends, in the same waits,
 * with nothing else around them: no handler, no schemas, no domain. What a first call with that
 * shape of I/O costs at the least, so a function's cold start splits into its I/O and our code.
 * The event is the plan: `{ waves: [["Query"], ["PutItem"]], pk }`, each wave sent at once.
 */
import { randomUUID } from 'node:crypto';
import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { documents } from './bare-client.ts';

const TableName = process.env.TALLY_TABLE_NAME;
/** A new item, as a write of an event or a record is: keyed fresh, created only if absent. */
const freshItem = () => ({ pk: `FLOOR#${randomUUID()}`, sk: 'x', kind: 'floor', amount: 100, note: 'floor' });
const createOnly = { ConditionExpression: 'attribute_not_exists(pk)' };

function send(kind: string, pk: string): Promise<unknown> {
  switch (kind) {
    case 'GetItem':
      return documents.send(
        new GetCommand({ TableName, Key: { pk, sk: 'VIEW#WALLET' }, ConsistentRead: true }),
      );
    case 'Query':
      return documents.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :events)',
          ExpressionAttributeValues: { ':pk': pk, ':events': 'EVENT#' },
          ScanIndexForward: false,
          Limit: 3,
          ConsistentRead: true,
        }),
      );
    case 'BatchGetItem':
      return documents.send(
        new BatchGetCommand({
          RequestItems: {
            [TableName ?? '']: {
              Keys: [
                { pk, sk: 'VIEW#WALLET' },
                { pk, sk: 'LANES' },
              ],
              ConsistentRead: true,
            },
          },
        }),
      );
    case 'Scan':
      return documents.send(new ScanCommand({ TableName, Limit: 5 }));
    case 'PutItem':
      return documents.send(new PutCommand({ TableName, Item: freshItem(), ...createOnly }));
    case 'UpdateItem':
      return documents.send(
        new UpdateCommand({
          TableName,
          Key: { pk: `FLOOR#${randomUUID()}`, sk: 'x' },
          UpdateExpression: 'SET amount = :amount',
          ExpressionAttributeValues: { ':amount': 100 },
        }),
      );
    case 'TransactWriteItems':
      return documents.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName, Item: freshItem(), ...createOnly } },
            { Put: { TableName, Item: freshItem(), ...createOnly } },
          ],
        }),
      );
    default:
      throw new Error(`floor: no stand-in for ${kind}`);
  }
}

export const handler = async (event: { waves: string[][]; pk: string }): Promise<{ statusCode: number }> => {
  for (const wave of event.waves) await Promise.all(wave.map((kind) => send(kind, event.pk)));
  return { statusCode: 200 };
};
