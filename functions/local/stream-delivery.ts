import type { _Record as StreamRecord } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { BackgroundLoops } from './background-loops.ts';
import { lambdaContext } from './lambda.ts';
import { streamBatchFailure } from './stream-failure.ts';
import { firstFailedIndex, matchesTableStreamFilter, toLambdaRecord } from './stream-records.ts';
import type { StreamConsumer, StreamPollerOptions, StreamPollerStats } from './stream-types.ts';

/**
 * Lambda's invocation rules for a stream event source: batches of the consumer's size, retried from
 * the first failed record of a partial batch response (or whole when the handler throws), and after
 * `retryAttempts` retries reported as an on-failure destination record would be, and skipped.
 */
export class StreamDelivery {
  constructor(
    private readonly options: Pick<
      StreamPollerOptions,
      'consumers' | 'streamArn' | 'region' | 'onFailure'
    > & {
      loops: BackgroundLoops;
      stats: StreamPollerStats;
      retryBackoffMs: number;
      log: (line: string) => void;
    },
  ) {}

  /** Hands the records to every consumer, filtered and cut to its batch size; 'abandoned' if stopped first. */
  async deliver(shardId: string, records: StreamRecord[]): Promise<'done' | 'abandoned'> {
    const { streamArn, region } = this.options;
    const outcomes = await Promise.all(
      this.options.consumers.map(async (consumer) => {
        const selected = records
          .filter((record) => matchesTableStreamFilter(consumer.trigger.filter, record))
          .map((record) => toLambdaRecord(record, streamArn, region));
        for (let start = 0; start < selected.length; start += consumer.trigger.batchSize) {
          const batch = selected.slice(start, start + consumer.trigger.batchSize);
          if ((await this.invoke(consumer, shardId, batch)) === 'abandoned') return 'abandoned';
        }
        return 'done';
      }),
    );
    return outcomes.includes('abandoned') ? 'abandoned' : 'done';
  }

  /** Invokes until the batch succeeds or runs out of retries ('done'), or the poller stops ('abandoned'). */
  async invoke(
    consumer: StreamConsumer,
    shardId: string,
    batch: DynamoDBRecord[],
  ): Promise<'done' | 'abandoned'> {
    let pending = batch;
    let lastError = '';
    for (let attempt = 0; ; attempt++) {
      let failedFrom: number | undefined;
      this.options.stats.invocations++;
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
      if (failedFrom === undefined) return 'done';
      // Records before the first failure are done (Lambda moves its checkpoint past them).
      pending = pending.slice(failedFrom);
      if (pending.length === 0) return 'done';
      // Stopping mid-retry gives up quietly: the next start delivers the batch again.
      if (this.options.loops.stopped) return 'abandoned';
      if (attempt >= consumer.trigger.retryAttempts) {
        this.reportFailure(consumer, shardId, pending, attempt + 1, lastError);
        return 'done';
      }
      await this.options.loops.pause(Math.min(2_000, this.options.retryBackoffMs * 2 ** attempt));
      if (this.options.loops.stopped) return 'abandoned';
    }
  }

  private reportFailure(
    consumer: StreamConsumer,
    shardId: string,
    records: DynamoDBRecord[],
    invokeCount: number,
    lastError: string,
  ): void {
    this.options.stats.failedBatches++;
    const failure = streamBatchFailure({
      spec: consumer.spec,
      region: this.options.region,
      streamArn: this.options.streamArn,
      shardId: shardId,
      records,
      invokeCount,
    });
    // What AWS would put on the on-failure queue; the events themselves are still in the table.
    this.options.log(
      `stream poller: ${consumer.spec.name} gave up on ${records.length} record(s) after ${invokeCount} invocations; ` +
        `last error: ${lastError}\non-failure record: ${JSON.stringify(failure)}`,
    );
    this.options.onFailure?.(failure, records);
  }
}
