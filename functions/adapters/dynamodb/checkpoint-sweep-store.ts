import type { CheckpointPassMark } from '#ports/checkpoints.ts';
import { batchGetItems } from './batch-get.ts';
import { DynamoCheckpointStore } from './checkpoints.ts';
import { CHECKPOINT_PASS_KEY, fromPassMarkItem } from './table-layout/checkpoint-item.ts';

/**
 * The checkpoint store of the checkpoint sweep (composition/checkpoint-sweep.ts). The pass mark is
 * read in a one-key BatchGetItem (strongly consistent, the same read units as a GetItem): a tick's
 * other reads by key are BatchGetItems, so its cold process sends one command kind fewer (a kind's
 * first send costs about 2 ms of CPU more than another of a kind already sent). The checkpoints a
 * tick signs are saved a PutItem each, at once, as everywhere: a TransactWriteItems of a slice's
 * would be one request instead of several but cost twice the write units on every pass.
 */
export class DynamoCheckpointSweepStore extends DynamoCheckpointStore {
  override async mark(): Promise<CheckpointPassMark> {
    const [item] = await batchGetItems(this.client, this.tableName, [CHECKPOINT_PASS_KEY], 'mark');
    return fromPassMarkItem(item);
  }
}
