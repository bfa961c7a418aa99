import { TransactionConflictException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { VersionConflictError } from '#ports/event-store.ts';
import { fromLanesItem, registerLane } from './table-layout/lanes-item.ts';

/**
 * Registers `lane` before its version 1 is written (EventStore.append opening a lane, when the
 * composition hands this in: LANE_DISCOVERY, the hot-wallet producers): a plain UpdateItem (ADD,
 * never refused), answering the lanes registered now, this one included. Coming first, it keeps
 * every event's lane registered (readers find it) even if the writer fails before its write or
 * loses it: the lane then stays empty, which readers take as a lane with no events yet. Outside the
 * transaction, concurrent openers do not meet on the LANES item (DynamoDB cancels transactions
 * that touch one item at once: TransactionConflict), a keyless opening is a plain UpdateItem and a
 * conditional PutItem (1 + 1 write units, against 2 × 2 for the two-item transaction), and a lost
 * race comes back with the registry, so the writer's next pick avoids every lane opened.
 */
export async function registerFirst(
  client: DynamoDBDocumentClient,
  tableName: string,
  walletId: string,
  lane: number,
): Promise<number[]> {
  const result = await client
    .send(
      new UpdateCommand({
        TableName: tableName,
        ...registerLane(walletId, lane),
        ReturnValues: 'UPDATED_NEW',
      }),
    )
    .catch((error: unknown) => {
      // A group's transaction was registering a lane at that moment (append-group.ts): a lost race.
      if (error instanceof TransactionConflictException)
        throw new VersionConflictError(walletId, lane, 0, 'transaction-conflict');
      throw error;
    });
  return fromLanesItem(result.Attributes);
}
