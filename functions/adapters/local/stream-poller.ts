import { randomUUID } from 'node:crypto';
import { setTimeout as sleepFor } from 'node:timers/promises';
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ResourceNotFoundException,
  type Shard,
  type AttributeValue as StreamAttributeValue,
  type _Record as StreamRecord,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { type FunctionSpec, type StreamFilterSpec, TABLE, type TriggerSpec } from '#lib/wiring.ts';
import { BackgroundLoops } from './background-loops.ts';
import { type LambdaHandler, lambdaContext } from './lambda.ts';

/**
 * The local stand-in for Lambda's DynamoDB Streams event source mapping: reads every shard of the
 * table's stream, keeps the records the CDK filter keeps, and invokes the consumer with batches
 * shaped exactly like Lambda's, honouring partial batch responses and the retry limit.
 *
 * Differences from the managed service, on purpose:
 * - Always starts at TRIM_HORIZON, also on a restart with a persistent data dir. The projector is
 *   idempotent and reads the events from the store, so a re-delivered record costs a read and
 *   changes nothing, while starting at LATEST could miss events written while the runtime was down.
 * - No batching window: a batch is whatever one GetRecords returned (cut at `batchSize`), and it is
 *   delivered at once, because projection lag matters more here than invocation count.
 * - No bisection: a failing batch is retried from its first failed record (the partial batch
 *   response), or whole when the handler throws; after `retryAttempts` retries it is logged as an
 *   on-failure destination record would be, and skipped.
 * - Several consumers of one stream share the shard readers; each sees every record in order.
 */

export type TableStreamTrigger = Extract<TriggerSpec, { kind: 'table-stream' }>;

export interface StreamConsumer {
  spec: FunctionSpec;
  trigger: TableStreamTrigger;
  handler: LambdaHandler;
}

/** What an on-failure destination receives for a stream batch that ran out of retries. */
export interface StreamBatchFailure {
  version: '1.0';
  timestamp: string;
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: 'RetryAttemptsExhausted';
    approximateInvokeCount: number;
  };
  responseContext: { statusCode: number; executedVersion: string; functionError: string };
  DDBStreamBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
    batchSize: number;
    streamArn: string;
  };
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
  log?: (line: string) => void;
  /** Called with each batch that ran out of retries (after it is logged). */
  onFailure?: (failure: StreamBatchFailure, records: DynamoDBRecord[]) => void;
}

export interface StreamPollerStats {
  shards: number;
  getRecordsCalls: number;
  recordsRead: number;
  invocations: number;
  failedBatches: number;
}

/** The trigger's filter, as the CDK stack hands it to the event-source mapping. */
export function matchesTableStreamFilter(
  filter: StreamFilterSpec,
  record: Pick<StreamRecord, 'eventName' | 'dynamodb'>,
): boolean {
  const sortKey = record.dynamodb?.Keys?.[TABLE.sortKey];
  return (
    record.eventName === filter.eventName &&
    sortKey !== undefined &&
    'S' in sortKey &&
    typeof sortKey.S === 'string' &&
    sortKey.S.startsWith(filter.sortKeyPrefix)
  );
}

/** The SDK decodes binary attributes to bytes; Lambda's JSON event carries them as base64. */
function toLambdaAttribute(value: StreamAttributeValue): AttributeValue {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((bytes) => Buffer.from(bytes).toString('base64')) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaAttribute) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  const { $unknown: _unknown, ...plain } = value as StreamAttributeValue & { $unknown?: unknown };
  return plain as AttributeValue;
}

function toLambdaImage(image: Record<string, StreamAttributeValue>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, toLambdaAttribute(value)]));
}

/** A Streams API record as Lambda puts it in the event (dates as epoch seconds, bytes as base64). */
export function toLambdaRecord(record: StreamRecord, streamArn: string, region: string): DynamoDBRecord {
  const data = record.dynamodb ?? {};
  const created = data.ApproximateCreationDateTime;
  return {
    eventID: record.eventID ?? '',
    ...(record.eventName === undefined ? {} : { eventName: record.eventName }),
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: record.awsRegion ?? region,
    dynamodb: {
      ...(created === undefined ? {} : { ApproximateCreationDateTime: Math.floor(created.getTime() / 1000) }),
      ...(data.Keys === undefined ? {} : { Keys: toLambdaImage(data.Keys) }),
      ...(data.NewImage === undefined ? {} : { NewImage: toLambdaImage(data.NewImage) }),
      ...(data.OldImage === undefined ? {} : { OldImage: toLambdaImage(data.OldImage) }),
      ...(data.SequenceNumber === undefined ? {} : { SequenceNumber: data.SequenceNumber }),
      ...(data.SizeBytes === undefined ? {} : { SizeBytes: data.SizeBytes }),
      ...(data.StreamViewType === undefined ? {} : { StreamViewType: data.StreamViewType }),
    },
    eventSourceARN: streamArn,
  };
}

/**
 * Where to resume after an invocation, by Lambda's partial-batch rules: undefined means the whole
 * batch succeeded (no result, no or an empty `batchItemFailures`); otherwise the index of the first
 * failed record. An identifier that is empty or names no record in the batch fails the whole batch.
 */
export function firstFailedIndex(result: unknown, batch: readonly DynamoDBRecord[]): number | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  const failures = (result as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return undefined;
  if (!Array.isArray(failures)) return 0;
  if (failures.length === 0) return undefined;
  let first = batch.length;
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    const index =
      typeof id === 'string' && id !== ''
        ? batch.findIndex((record) => record.dynamodb?.SequenceNumber === id)
        : -1;
    if (index === -1) return 0;
    first = Math.min(first, index);
  }
  return first;
}

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
  private wakeDiscovery: (() => void) | undefined;
  private discoveredAtMs = 0;
  private shardClosedAtMs = 0;
  private started = false;
  private inFlight = 0;
  readonly stats: StreamPollerStats = {
    shards: 0,
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
    for (const consumer of options.consumers) {
      if (consumer.trigger.batchSize < 1)
        throw new Error(`${consumer.spec.name}: batchSize must be at least 1`);
    }
  }

  start(): void {
    if (this.started) throw new Error('StreamPoller.start: already started');
    this.started = true;
    this.loops.track(this.discoveryLoop());
  }

  /** Stops polling and waits for the loops to end (an invocation in progress is let finish). */
  async stop(): Promise<void> {
    await this.loops.stop(() => this.wakeDiscovery?.());
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
      if (discovered && caughtUp && this.inFlight === 0) return;
      if (Date.now() > deadline) {
        throw new Error(
          `StreamPoller.whenIdle: not idle after ${options.timeoutMs ?? 10_000} ms ` +
            `(${open.length} open shards, ${this.inFlight} batches in flight)`,
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
    const fresh: ShardState[] = [];
    for (const shard of found) {
      if (shard.ShardId === undefined || this.shards.has(shard.ShardId)) continue;
      let markFinished: () => void = () => undefined;
      const state: ShardState = {
        shardId: shard.ShardId,
        parentShardId: shard.ParentShardId,
        caughtUpAtMs: 0,
        done: false,
        finished: new Promise<void>((resolve) => {
          markFinished = resolve;
        }),
        lastSequenceNumber: undefined,
      };
      this.shards.set(shard.ShardId, state);
      this.stats.shards++;
      fresh.push(state);
      this.loops.track(
        (async () => {
          // Lambda finishes a parent shard before reading its children, which keeps per-item order.
          const parent = state.parentShardId === undefined ? undefined : this.shards.get(state.parentShardId);
          if (parent !== undefined) await parent.finished;
          try {
            await this.readShard(state);
          } finally {
            state.done = true;
            this.shardClosedAtMs = Date.now();
            markFinished();
            // A closed shard usually has children by now; look for them without waiting a full interval.
            this.wakeDiscovery?.();
          }
        })(),
      );
    }
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
          await this.deliver(shard, records);
          shard.lastSequenceNumber = records.at(-1)?.dynamodb?.SequenceNumber ?? shard.lastSequenceNumber;
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

  private async deliver(shard: ShardState, records: StreamRecord[]): Promise<void> {
    const { streamArn, region } = this.options;
    this.inFlight++;
    try {
      await Promise.all(
        this.options.consumers.map(async (consumer) => {
          const selected = records
            .filter((record) => matchesTableStreamFilter(consumer.trigger.filter, record))
            .map((record) => toLambdaRecord(record, streamArn, region));
          for (let start = 0; start < selected.length; start += consumer.trigger.batchSize) {
            await this.invoke(consumer, shard, selected.slice(start, start + consumer.trigger.batchSize));
          }
        }),
      );
    } finally {
      this.inFlight--;
    }
  }

  private async invoke(consumer: StreamConsumer, shard: ShardState, batch: DynamoDBRecord[]): Promise<void> {
    let pending = batch;
    let lastError = '';
    for (let attempt = 0; ; attempt++) {
      let failedFrom: number | undefined;
      this.stats.invocations++;
      try {
        const result = await consumer.handler(
          { Records: pending } satisfies DynamoDBStreamEvent,
          lambdaContext(consumer.spec, this.options.region),
        );
        failedFrom = firstFailedIndex(result, pending);
        if (failedFrom !== undefined)
          lastError = `partial batch response: ${failedFrom} of ${pending.length} succeeded`;
      } catch (error) {
        failedFrom = 0;
        lastError = error instanceof Error ? (error.stack ?? error.message) : String(error);
      }
      if (failedFrom === undefined) return;
      // Records before the first failure are done (Lambda moves its checkpoint past them).
      pending = pending.slice(failedFrom);
      if (pending.length === 0) return;
      // Stopping mid-retry gives up quietly: the next start reads from TRIM_HORIZON again.
      if (this.loops.stopped) return;
      if (attempt >= consumer.trigger.retryAttempts) {
        this.reportFailure(consumer, shard, pending, attempt + 1, lastError);
        return;
      }
      await this.loops.pause(Math.min(2_000, this.retryBackoffMs * 2 ** attempt));
      if (this.loops.stopped) return;
    }
  }

  private reportFailure(
    consumer: StreamConsumer,
    shard: ShardState,
    records: DynamoDBRecord[],
    invokeCount: number,
    lastError: string,
  ): void {
    this.stats.failedBatches++;
    const first = records[0];
    const last = records.at(-1);
    const arrival = (record: DynamoDBRecord | undefined): string =>
      new Date((record?.dynamodb?.ApproximateCreationDateTime ?? 0) * 1000).toISOString();
    const failure: StreamBatchFailure = {
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: {
        requestId: randomUUID(),
        functionArn: lambdaContext(consumer.spec, this.options.region).invokedFunctionArn,
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: invokeCount,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      DDBStreamBatchInfo: {
        shardId: shard.shardId,
        startSequenceNumber: first?.dynamodb?.SequenceNumber ?? '',
        endSequenceNumber: last?.dynamodb?.SequenceNumber ?? '',
        approximateArrivalOfFirstRecord: arrival(first),
        approximateArrivalOfLastRecord: arrival(last),
        batchSize: records.length,
        streamArn: this.options.streamArn,
      },
    };
    // What AWS would put on the on-failure queue; the events themselves are still in the table.
    this.log(
      `stream poller: ${consumer.spec.name} gave up on ${records.length} record(s) after ${invokeCount} invocations; ` +
        `last error: ${lastError}\non-failure record: ${JSON.stringify(failure)}`,
    );
    this.options.onFailure?.(failure, records);
  }
}
