import { setTimeout as sleepFor } from 'node:timers/promises';
import {
  DescribeStreamCommand,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ResourceNotFoundException,
  type Shard,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import { BackgroundLoops } from './background-loops.ts';
import type { ShardCheckpoint } from './stream-checkpoints.ts';
import { StreamDelivery } from './stream-delivery.ts';
import { ShardPipeline } from './stream-pipeline.ts';

export type { StreamBatchFailure } from './stream-failure.ts';
// Re-exported for the tests and callers that have always found them here.
export { firstFailedIndex, matchesTableStreamFilter, toLambdaRecord } from './stream-records.ts';

/**
 * The local stand-in for Lambda's DynamoDB Streams event source mapping: reads every shard of the
 * table's stream, keeps the records the CDK filter keeps, and invokes the consumer with batches
 * shaped exactly like Lambda's, honouring partial batch responses and the retry limit. Like the
 * managed mapping it keeps a checkpoint per shard (stream-checkpoints.ts): a restart resumes after
 * the last delivered record, TRIM_HORIZON only without one. It is saved every `checkpointIntervalMs`,
 * so a kill -9 re-delivers at most that much, which the idempotent projector skips.
 *
 * Differences from the managed service, on purpose:
 * - No batching window: a batch is whatever one GetRecords returned (cut at `batchSize`), delivered
 *   at once, because projection lag matters more here than invocation count. As in AWS, a consumer
 *   with `parallelizationFactor` gets that many batches at once, split by partition key
 *   (stream-pipeline.ts); the next GetRecords waits until every consumer has its records.
 * - No bisection: a failing batch is retried from its first failed record (the partial batch
 *   response), or whole when the handler throws; after `retryAttempts` retries it is logged as an
 *   on-failure destination record would be, and skipped.
 * - Several consumers of one stream share the shard readers; each sees every record in order.
 */

import type { StreamPollerOptions, StreamPollerStats } from './stream-types.ts';

export type {
  StreamConsumer,
  StreamPollerOptions,
  StreamPollerStats,
  TableStreamTrigger,
} from './stream-types.ts';

interface ShardState {
  shardId: string;
  parentShardId: string | undefined;
  /** Start time of the last GetRecords that came back empty: the shard was caught up then. */
  caughtUpAtMs: number;
  done: boolean;
  finished: Promise<void>;
  lastSequenceNumber: string | undefined;
}

export class StreamPoller {
  private readonly shards = new Map<string, ShardState>();
  private readonly loops = new BackgroundLoops();
  private readonly idlePollMs: number;
  private readonly quietPollMs: number;
  private readonly describeIntervalMs: number;
  private readonly retryBackoffMs: number;
  private readonly log: (line: string) => void;
  private readonly delivery: StreamDelivery;
  private wakeDiscovery: (() => void) | undefined;
  private discoveredAtMs = 0;
  private shardClosedAtMs = 0;
  private started = false;
  /** Each shard's records read and not yet delivered (stream-pipeline.ts). */
  private readonly pipelines = new Set<ShardPipeline>();
  /** Saved checkpoints not yet claimed by a discovered shard. */
  private saved = new Map<string, ShardCheckpoint>();
  private checkpointDirty = false;
  readonly stats: StreamPollerStats = {
    shards: 0,
    resumedShards: 0,
    getRecordsCalls: 0,
    recordsRead: 0,
    invocations: 0,
    failedBatches: 0,
  };

  constructor(private readonly options: StreamPollerOptions) {
    this.idlePollMs = options.idlePollMs ?? 25;
    this.quietPollMs = Math.max(this.idlePollMs, options.quietPollMs ?? 100);
    this.describeIntervalMs = options.describeIntervalMs ?? 1000;
    this.retryBackoffMs = options.retryBackoffMs ?? 100;
    this.log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    this.delivery = new StreamDelivery({
      ...options,
      loops: this.loops,
      stats: this.stats,
      retryBackoffMs: this.retryBackoffMs,
      log: this.log,
    });
    for (const consumer of options.consumers) {
      if (consumer.trigger.batchSize < 1)
        throw new Error(`${consumer.spec.name}: batchSize must be at least 1`);
    }
  }

  start(): void {
    if (this.started) throw new Error('StreamPoller.start: already started');
    this.started = true;
    this.loops.track(
      (async () => {
        await this.loadCheckpoints();
        if (this.options.checkpoints !== undefined) this.loops.track(this.checkpointLoop());
        await this.discoveryLoop();
      })(),
    );
  }

  /**
   * Stops polling and waits for the loops to end (an invocation in progress is let finish), then
   * saves the checkpoint a last time.
   */
  async stop(): Promise<void> {
    await this.loops.stop(() => this.wakeDiscovery?.());
    await this.saveCheckpoints();
  }

  private async loadCheckpoints(): Promise<void> {
    const store = this.options.checkpoints;
    if (store === undefined) return;
    try {
      this.saved = await store.load(this.options.streamArn);
    } catch (error) {
      this.log(`stream poller: could not read the checkpoints, starting at TRIM_HORIZON: ${String(error)}`);
    }
    if (this.saved.size > 0)
      this.log(`stream poller: resuming ${this.saved.size} shard(s) from their checkpoints`);
  }

  private async checkpointLoop(): Promise<void> {
    while (!this.loops.stopped) {
      await this.loops.pause(this.options.checkpointIntervalMs ?? 250);
      await this.saveCheckpoints();
    }
  }

  /** Saves every shard's position (and the saved ones no shard has claimed yet) if one changed. */
  private async saveCheckpoints(): Promise<void> {
    const store = this.options.checkpoints;
    if (store === undefined || !this.checkpointDirty) return;
    this.checkpointDirty = false;
    const shards = new Map(this.saved);
    for (const shard of this.shards.values()) {
      shards.set(shard.shardId, {
        ...(shard.lastSequenceNumber === undefined ? {} : { sequenceNumber: shard.lastSequenceNumber }),
        ...(shard.done && shard.lastSequenceNumber !== undefined ? { finished: true } : {}),
      });
    }
    try {
      await store.save(this.options.streamArn, shards);
    } catch (error) {
      this.checkpointDirty = true;
      this.log(`stream poller: could not save the checkpoints: ${String(error)}`);
    }
  }

  /**
   * Resolves once every open shard has been read to its end by a GetRecords that started after
   * this call, and no batch is being delivered: everything written before the call has been handed
   * to the consumers (and retried or given up on). For tests and benchmarks.
   */
  async whenIdle(options: { timeoutMs?: number } = {}): Promise<void> {
    const sinceMs = Date.now();
    const deadline = sinceMs + (options.timeoutMs ?? 10_000);
    for (;;) {
      if (this.loops.stopped) throw new Error('StreamPoller.whenIdle: the poller is stopped');
      const open = [...this.shards.values()].filter((shard) => !shard.done);
      const caughtUp = open.every((shard) => shard.caughtUpAtMs >= sinceMs);
      // A shard that closed since the last DescribeStream may have children nobody reads yet.
      const discovered = this.discoveredAtMs > 0 && this.discoveredAtMs >= this.shardClosedAtMs;
      const delivering = [...this.pipelines].reduce((sum, pipeline) => sum + pipeline.pending, 0);
      if (discovered && caughtUp && delivering === 0) return;
      if (Date.now() > deadline) {
        throw new Error(
          `StreamPoller.whenIdle: not idle after ${options.timeoutMs ?? 10_000} ms ` +
            `(${open.length} open shards, ${[...this.pipelines].reduce((sum, pipeline) => sum + pipeline.pending, 0)} records being delivered)`,
        );
      }
      await sleepFor(5);
    }
  }

  private async discoveryLoop(): Promise<void> {
    let failures = 0;
    while (!this.loops.stopped) {
      const startedMs = Date.now();
      try {
        await this.discover();
        this.discoveredAtMs = startedMs;
        failures = 0;
      } catch (error) {
        if (this.loops.stopped) return;
        failures++;
        if (failures === 1 || failures % 10 === 0) {
          this.log(`stream poller: DescribeStream failed (${failures}x): ${String(error)}`);
        }
      }
      await new Promise<void>((resolve) => {
        this.wakeDiscovery = resolve;
        void this.loops
          .pause(failures > 0 ? Math.min(5_000, 250 * failures) : this.describeIntervalMs)
          .then(resolve);
      });
      this.wakeDiscovery = undefined;
    }
  }

  private async discover(): Promise<void> {
    const found: Shard[] = [];
    let startShardId: string | undefined;
    // Bounded: 100 pages of 100 shards is far beyond what one table's stream holds.
    for (let page = 0; page < 100; page++) {
      const result = await this.options.client.send(
        new DescribeStreamCommand({
          StreamArn: this.options.streamArn,
          Limit: 100,
          ...(startShardId === undefined ? {} : { ExclusiveStartShardId: startShardId }),
        }),
        { abortSignal: this.loops.signal },
      );
      found.push(...(result.StreamDescription?.Shards ?? []));
      startShardId = result.StreamDescription?.LastEvaluatedShardId;
      if (startShardId === undefined) break;
    }
    // Create every new shard's state first, so a child listed before its parent still waits for it.
    for (const shard of found) {
      if (shard.ShardId === undefined || this.shards.has(shard.ShardId)) continue;
      this.track(shard.ShardId, shard.ParentShardId);
    }
  }

  /** A new shard: resumed from its checkpoint, read after its parent, and marked done at its end. */
  private track(shardId: string, parentShardId: string | undefined): void {
    const checkpoint = this.saved.get(shardId);
    this.saved.delete(shardId);
    let markFinished: () => void = () => undefined;
    const state: ShardState = {
      shardId,
      parentShardId,
      caughtUpAtMs: 0,
      done: false,
      finished: new Promise<void>((resolve) => {
        markFinished = resolve;
      }),
      lastSequenceNumber: checkpoint?.sequenceNumber,
    };
    this.shards.set(shardId, state);
    this.stats.shards++;
    if (checkpoint !== undefined) this.stats.resumedShards++;
    this.loops.track(
      (async () => {
        // Lambda finishes a parent shard before reading its children, which keeps per-item order.
        const parent = parentShardId === undefined ? undefined : this.shards.get(parentShardId);
        if (parent !== undefined) await parent.finished;
        try {
          if (checkpoint?.finished !== true) await this.readShard(state);
        } finally {
          state.done = !this.loops.stopped || checkpoint?.finished === true;
          this.checkpointDirty = true;
          this.shardClosedAtMs = Date.now();
          markFinished();
          // A closed shard usually has children by now; look for them without waiting a full interval.
          this.wakeDiscovery?.();
        }
      })(),
    );
  }

  private async iterator(shard: ShardState): Promise<string | undefined> {
    const result = await this.options.client.send(
      new GetShardIteratorCommand({
        StreamArn: this.options.streamArn,
        ShardId: shard.shardId,
        ...(shard.lastSequenceNumber === undefined
          ? { ShardIteratorType: 'TRIM_HORIZON' }
          : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: shard.lastSequenceNumber }),
      }),
      { abortSignal: this.loops.signal },
    );
    return result.ShardIterator;
  }

  private async readShard(shard: ShardState): Promise<void> {
    const pipeline = new ShardPipeline({
      shardId: shard.shardId,
      consumers: this.options.consumers,
      delivery: this.delivery,
      loops: this.loops,
      streamArn: this.options.streamArn,
      region: this.options.region,
      checkpoint: (sequenceNumber) => {
        shard.lastSequenceNumber = sequenceNumber;
        this.checkpointDirty = true;
      },
    });
    this.pipelines.add(pipeline);
    try {
      await this.readRecords(shard, pipeline);
      // Children wait for this shard's end: every record of it delivered, as Lambda keeps key order.
      await pipeline.drained();
    } finally {
      this.pipelines.delete(pipeline);
    }
  }

  private async readRecords(shard: ShardState, pipeline: ShardPipeline): Promise<void> {
    let iterator: string | undefined;
    let failures = 0;
    let quietSinceMs: number | undefined;
    while (!this.loops.stopped) {
      const startedMs = Date.now();
      try {
        iterator ??= await this.iterator(shard);
        if (iterator === undefined) return; // the shard is closed and fully trimmed
        this.stats.getRecordsCalls++;
        const result = await this.options.client.send(
          new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }),
          {
            abortSignal: this.loops.signal,
          },
        );
        failures = 0;
        const records = result.Records ?? [];
        if (records.length > 0) {
          this.stats.recordsRead += records.length;
          // The next GetRecords waits for these to be delivered: measured (bench/prof/lag-prof.ts,
          // PACED=40), reading on meanwhile added GetRecords calls and concurrent runs on a loaded
          // machine and doubled the lag's median (p50 104–118 ms against 40–62).
          await pipeline.push(records);
          await pipeline.drained();
          // Stopped mid-delivery: the checkpoint stays before the undelivered records.
          if (pipeline.stopped) return;
        }
        // No next iterator: the shard is closed and read to its end.
        if (result.NextShardIterator === undefined || result.NextShardIterator === null) return;
        iterator = result.NextShardIterator;
        if (records.length === 0) {
          shard.caughtUpAtMs = startedMs;
          quietSinceMs ??= startedMs;
          await this.loops.pause(startedMs - quietSinceMs < 500 ? this.idlePollMs : this.quietPollMs);
        } else {
          quietSinceMs = undefined;
        }
      } catch (error) {
        if (this.loops.stopped) return;
        if (error instanceof ResourceNotFoundException) {
          this.log(`stream poller: shard ${shard.shardId} is gone (table deleted?); stopping it`);
          return;
        }
        // Iterators expire after 15 minutes; trimmed data is gone. Either way, ask for a new one.
        iterator = undefined;
        if (error instanceof ExpiredIteratorException) continue;
        if (error instanceof TrimmedDataAccessException) {
          shard.lastSequenceNumber = undefined;
          continue;
        }
        failures++;
        if (failures === 1 || failures % 10 === 0) {
          this.log(`stream poller: reading shard ${shard.shardId} failed (${failures}x): ${String(error)}`);
        }
        await this.loops.pause(Math.min(2_000, 100 * 2 ** Math.min(failures, 5)));
      }
    }
  }
}
