import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type {
  CheckpointPassMark,
  CheckpointPassMarks,
  CheckpointStore,
  LaneCheckpoint,
} from '#ports/checkpoints.ts';
import {
  CHECKPOINT_PASS_KEY,
  CHECKPOINT_SK_PREFIX,
  fromCheckpointItem,
  fromPassMarkItem,
  toCheckpointItem,
  toPassMarkItem,
} from './table-layout/checkpoint-item.ts';
import { walletPk } from './table-layout/keys.ts';

/** Only forward: a checkpoint never replaces one of a later version (two verifies racing). */
const forwardPut = (tableName: string, checkpoint: LaneCheckpoint) => ({
  TableName: tableName,
  Item: toCheckpointItem(checkpoint),
  ConditionExpression: 'attribute_not_exists(pk) OR version <= :version',
  ExpressionAttributeValues: { ':version': checkpoint.version },
});

/**
 * Signed checkpoints in the wallet's partition. Keeping them in the same table is safe against
 * forgery (a writer without the key cannot sign one) but not against deletion: a writer can remove
 * them, which /verify then reports as "no checkpoint" rather than as tampering (docs/api.md, "GET /wallets/{wallet_id}/verify").
 */
export class DynamoCheckpointStore implements CheckpointStore, CheckpointPassMarks {
  constructor(
    protected readonly client: DynamoDBDocumentClient,
    protected readonly tableName: string,
  ) {}

  async checkpoints(walletId: string): Promise<LaneCheckpoint[]> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': walletPk(walletId), ':prefix': CHECKPOINT_SK_PREFIX },
        ConsistentRead: true,
      }),
    );
    return (result.Items ?? []).map(fromCheckpointItem);
  }

  async save(checkpoint: LaneCheckpoint): Promise<void> {
    await this.client.send(new PutCommand(forwardPut(this.tableName, checkpoint))).catch((error: unknown) => {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    });
  }

  async mark(): Promise<CheckpointPassMark> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: CHECKPOINT_PASS_KEY, ConsistentRead: true }),
    );
    return fromPassMarkItem(result.Item);
  }

  async saveMark(mark: CheckpointPassMark): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: toPassMarkItem(mark) }));
  }
}
