/**
 * The bench:cold baseline: the least a DynamoDB-backed function can do. It builds a document
 * client and reads one item, nothing else; built and measured exactly as the wiring functions are.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { documents } from './bare-client.ts';

export const handler = async (): Promise<{ statusCode: number }> => {
  const result = await documents.send(
    new GetCommand({
      TableName: process.env.TALLY_TABLE_NAME,
      Key: { pk: 'WALLET#baseline', sk: 'VIEW#WALLET' },
    }),
  );
  return { statusCode: result.Item === undefined ? 404 : 200 };
};
