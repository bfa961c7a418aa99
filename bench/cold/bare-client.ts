/**
 * The document client of the bench's bare handlers (baseline.ts, floor-handler.ts): built at
 * import, as the least a DynamoDB-backed function builds, pointed at DynamoDB Local when the bench
 * gives an endpoint.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const endpoint = process.env.TALLY_DYNAMODB_ENDPOINT;
export const documents = DynamoDBDocumentClient.from(
  new DynamoDBClient(
    endpoint
      ? {
          endpoint,
          region: 'us-east-1',
          credentials: { accessKeyId: 'tallylocal', secretAccessKey: 'tallylocal' },
        }
      : {},
  ),
);
