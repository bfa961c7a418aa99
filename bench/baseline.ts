import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';

/**
 * The baseline the issue compares against: the DESIGN.md starting layout (an event item plus a
 * HEAD item updated in one transaction with `version = :expected`), wrapped in Powertools-style
 * idempotency (an INPROGRESS record put before, a COMPLETED update with the response after).
 * It is what a team gets by putting @aws-lambda-powertools/idempotency around a classic append.
 */
export async function baselineDeposit(
  client: DynamoDBDocumentClient,
  table: string,
  walletId: string,
  amountMinor: bigint,
): Promise<void> {
  const key = randomUUID();
  const nowSeconds = Math.floor(Date.now() / 1000);
  await client.send(
    new PutCommand({
      TableName: table,
      Item: {
        pk: `IDEMPOTENCY#${key}`,
        sk: 'IDEMPOTENCY',
        status: 'INPROGRESS',
        expiration: nowSeconds + 3600,
        in_progress_expiration: Date.now() + 10_000,
        validation: 'sha256-of-payload-0123456789abcdef0123456789abcdef0123456789abcdef0123',
      },
      ConditionExpression: 'attribute_not_exists(pk) OR expiration < :now',
      ExpressionAttributeValues: { ':now': nowSeconds },
    }),
  );
  for (let attempt = 0; attempt < 50; attempt++) {
    const head = await client.send(
      new GetCommand({
        TableName: table,
        Key: { pk: `WALLET#${walletId}`, sk: 'HEAD' },
        ConsistentRead: true,
      }),
    );
    const version = Number((head.Item?.version as string | undefined) ?? 0);
    const next = version + 1;
    try {
      await client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: table,
                Item: {
                  pk: `WALLET#${walletId}`,
                  sk: `EVENT#${String(next).padStart(12, '0')}`,
                  type: 'Deposited',
                  data: { amountMinor, occurredAtMs: Date.now() },
                  eventId: randomUUID(),
                  recordedAtMs: Date.now(),
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Update: {
                TableName: table,
                Key: { pk: `WALLET#${walletId}`, sk: 'HEAD' },
                UpdateExpression: 'SET version = :next',
                ConditionExpression: 'attribute_not_exists(version) OR version = :version',
                ExpressionAttributeValues: { ':next': next, ':version': version },
              },
            },
          ],
        }),
      );
      break;
    } catch (error) {
      if (
        !(error instanceof TransactionCanceledException || error instanceof ConditionalCheckFailedException)
      )
        throw error;
    }
  }
  await client.send(
    new UpdateCommand({
      TableName: table,
      Key: { pk: `IDEMPOTENCY#${key}`, sk: 'IDEMPOTENCY' },
      UpdateExpression: 'SET #status = :completed, #data = :data',
      ExpressionAttributeNames: { '#status': 'status', '#data': 'data' },
      ExpressionAttributeValues: {
        ':completed': 'COMPLETED',
        ':data': JSON.stringify({ statusCode: 201, body: `{"WalletID":"${walletId}","Amount":1}` }),
      },
    }),
  );
}
