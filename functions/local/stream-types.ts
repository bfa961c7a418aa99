/** The shapes the local stream poller and its delivery share (kept apart so neither imports the other). */
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import type { FunctionSpec, TriggerSpec } from '#lib/wiring.ts';
import type { LambdaHandler } from './lambda.ts';
import type { StreamCheckpointStore } from './stream-checkpoints.ts';
import type { StreamBatchFailure } from './stream-failure.ts';

export type TableStreamTrigger = Extract<TriggerSpec, { kind: 'table-stream' }>;

export interface StreamConsumer {
  spec: FunctionSpec;
  trigger: TableStreamTrigger;
  handler: LambdaHandler;
}

export interface StreamPollerOptions {
  client: DynamoDBStreamsClient;
  streamArn: string;
  consumers: readonly StreamConsumer[];
  region: string;
  /** Pause after a GetRecords that returned nothing, while the stream is busy. @default 25 */
  idlePollMs?: number;
  /**
   * Pause once a shard has been quiet for half a second. Each GetRecords costs both processes a
   * few milliseconds of CPU; slowing down when idle cuts that ~4x, and the first record after a
   * quiet spell still reaches the projector within this pause plus one invocation. @default 100
   */
  quietPollMs?: number;
  /** How often to look for new shards (also right after a shard closes). @default 1000 */
  describeIntervalMs?: number;
  /** First retry delay of a failed batch; doubles per retry up to 2 s. @default 100 */
  retryBackoffMs?: number;
  /** Where each shard's position is kept across restarts. @default none: every start is at TRIM_HORIZON */
  checkpoints?: StreamCheckpointStore;
  /** How often a changed checkpoint is saved. @default 250 */
  checkpointIntervalMs?: number;
  log?: (line: string) => void;
  /** Called with each batch that ran out of retries (after it is logged). */
  onFailure?: (failure: StreamBatchFailure, records: DynamoDBRecord[]) => void;
}

export interface StreamPollerStats {
  shards: number;
  /** Shards whose reading started from a saved checkpoint (or that it marked finished). */
  resumedShards: number;
  getRecordsCalls: number;
  recordsRead: number;
  invocations: number;
  failedBatches: number;
}
