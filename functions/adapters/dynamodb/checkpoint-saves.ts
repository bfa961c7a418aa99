import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { CheckpointPassMark, LaneCheckpoint } from '#ports/checkpoints.ts';
import { batchGetItems } from './batch-get.ts';
import { DynamoCheckpointStore, forwardPut } from './checkpoints.ts';
import { CHECKPOINT_PASS_KEY, fromPassMarkItem } from './table-layout/checkpoint-item.ts';

/** TransactWriteItems takes 100 actions. */
const TRANSACT_MAX = 100;

/**
 * The checkpoint store of the checkpoint sweep (composition/checkpoint-sweep.ts): with `saveAll`,
 * a slice's checkpoints in one TransactWriteItems (up to 100) instead of a PutItem each, every put
 * still only forward. A transaction is all or nothing: when one condition fails (a verify running
 * beside saved a later checkpoint) or the transaction conflicts, each checkpoint is saved on its
 * own, as `save` does. Its own module: no other function saves more than one wallet's checkpoints.
 * The pass mark is read in a one-key BatchGetItem (strongly consistent, the same read units as a
 * GetItem): a tick's other reads by key are BatchGetItems, so its cold process sends one command
 * kind fewer (a kind's first send costs about 2 ms of CPU more than another of a kind already sent).
 */
export class DynamoCheckpointSweepStore extends DynamoCheckpointStore {
  override async mark(): Promise<CheckpointPassMark> {
    const [item] = await batchGetItems(this.client, this.tableName, [CHECKPOINT_PASS_KEY], 'mark');
    return fromPassMarkItem(item);
  }

  async saveAll(checkpoints: readonly LaneCheckpoint[]): Promise<void> {
    const groups: LaneCheckpoint[][] = [];
    for (let from = 0; from < checkpoints.length; from += TRANSACT_MAX)
      groups.push(checkpoints.slice(from, from + TRANSACT_MAX));
    await Promise.all(groups.map((group) => this.saveGroup(group)));
  }

  private async saveGroup(group: readonly LaneCheckpoint[]): Promise<void> {
    const [only] = group;
    if (group.length === 1 && only !== undefined) return this.save(only);
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: group.map((checkpoint) => ({ Put: forwardPut(this.tableName, checkpoint) })),
        }),
      );
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      await Promise.all(group.map((checkpoint) => this.save(checkpoint)));
    }
  }
}
