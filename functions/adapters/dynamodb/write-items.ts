import {
  ConditionalCheckFailedException,
  TransactionCanceledException,
  TransactionConflictException,
} from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';

type TransactItems = NonNullable<TransactWriteCommand['input']['TransactItems']>;

/**
 * Writes an append's items: a transaction, except when there is one item only (a credit without an
 * idempotency key: the event item alone, its index marker an attribute of it), which is a
 * conditional PutItem. One item is atomic on its own; AWS bills a transactional write twice a
 * plain one (2 write units for 1 KB, against 1), so this takes a deposit from 3 units (event 2,
 * view 1) to 2, the floor issue 16 names.
 *
 * A refused put answers as the one-item transaction would have: a TransactionCanceledException
 * whose one reason is `ConditionalCheckFailed` with the winner's item (ALL_OLD), or
 * `TransactionConflict` when a transaction was writing the item; the caller's handling is the same.
 */
export async function writeItems(client: DynamoDBDocumentClient, items: TransactItems): Promise<void> {
  const only = items.length === 1 ? items[0]?.Put : undefined;
  if (only === undefined) {
    await client.send(new TransactWriteCommand({ TransactItems: items }));
    return;
  }
  try {
    await client.send(new PutCommand(only));
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) {
      throw cancelled('ConditionalCheckFailed', error.Item);
    }
    if (error instanceof TransactionConflictException) throw cancelled('TransactionConflict');
    throw error;
  }
}

function cancelled(code: string, item?: ConditionalCheckFailedException['Item']) {
  return new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${code}]`,
    $metadata: {},
    CancellationReasons: [{ Code: code, ...(item === undefined ? {} : { Item: item }) }],
  });
}
