import type { _Record as StreamRecord } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import type { BackgroundLoops } from './background-loops.ts';
import type { StreamDelivery } from './stream-delivery.ts';
import { matchesTableStreamFilter, toLambdaRecord } from './stream-records.ts';
import type { StreamConsumer } from './stream-types.ts';

/** A record read from the shard, done once every consumer queue it went to has delivered it. */
interface Tracked {
  sequenceNumber: string | undefined;
  waiting: number;
}

interface Queue {
  consumer: StreamConsumer;
  records: { record: DynamoDBRecord; tracked: Tracked }[];
  busy: boolean;
}

/**
 * Records read from a shard but not yet delivered, at most this many: past it, the shard's reader
 * waits (Lambda's poller, too, reads ahead of its batches by a bounded amount).
 */
const PENDING_MAX = 1_000;

/**
 * One shard's deliveries, as Lambda's stream event source runs them: each consumer has
 * `parallelizationFactor` queues (1 without it); a record goes to the queue its partition key
 * hashes to, so one key's records stay in order, and each queue invokes its consumer one batch at
 * a time (what has gathered, up to the batch size), the queues at once. `push` does not wait for
 * the deliveries: the shard's reader decides (stream-poller.ts waits for `drained` before its next
 * GetRecords: reading on while records were delivered measured slower on this machine).
 *
 * The shard's position (`checkpoint`) moves past a record only when it and every record before it
 * have been delivered, so a restart never skips one.
 */
export class ShardPipeline {
  private readonly queues: Queue[][];
  private readonly order: Tracked[] = [];
  private abandoned = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly options: {
      shardId: string;
      consumers: readonly StreamConsumer[];
      delivery: StreamDelivery;
      loops: BackgroundLoops;
      streamArn: string;
      region: string;
      /** Called with the sequence number every record up to which has been delivered. */
      checkpoint: (sequenceNumber: string) => void;
    },
  ) {
    this.queues = options.consumers.map((consumer) =>
      Array.from({ length: Math.max(1, consumer.trigger.parallelizationFactor ?? 1) }, () => ({
        consumer,
        records: [],
        busy: false,
      })),
    );
  }

  /** Records read and not yet delivered to every consumer that takes them. */
  get pending(): number {
    return this.order.length;
  }

  /** True once a delivery was cut short by the poller stopping: nothing more is delivered. */
  get stopped(): boolean {
    return this.abandoned;
  }

  /** Queues `records` (in shard order) and starts delivering them; waits while too many are pending. */
  async push(records: readonly StreamRecord[]): Promise<void> {
    const { streamArn, region } = this.options;
    for (const record of records) {
      const tracked: Tracked = { sequenceNumber: record.dynamodb?.SequenceNumber, waiting: 0 };
      this.order.push(tracked);
      for (const queues of this.queues) {
        const consumer = queues[0]?.consumer;
        if (consumer === undefined || !matchesTableStreamFilter(consumer.trigger.filter, record)) continue;
        const lambdaRecord = toLambdaRecord(record, streamArn, region);
        const queue = queues[keyHash(lambdaRecord) % queues.length] as Queue;
        queue.records.push({ record: lambdaRecord, tracked });
        tracked.waiting++;
      }
    }
    this.advance();
    for (const queues of this.queues) for (const queue of queues) this.run(queue);
    while (this.pending > PENDING_MAX && !this.abandoned && !this.options.loops.stopped) await this.next();
  }

  /** Resolves once every record pushed has been delivered (or delivery was abandoned). */
  async drained(): Promise<void> {
    while (this.pending > 0 && !this.abandoned) await this.next();
  }

  private next(): Promise<void> {
    return new Promise((resolve) => {
      const previous = this.wake;
      this.wake = () => {
        previous?.();
        resolve();
      };
    });
  }

  private run(queue: Queue): void {
    if (queue.busy || queue.records.length === 0 || this.abandoned) return;
    queue.busy = true;
    this.options.loops.track(
      (async () => {
        try {
          while (queue.records.length > 0 && !this.abandoned) {
            // Stopping: what is not yet handed over stays undelivered (the next start reads it).
            if (this.options.loops.stopped) {
              this.abandoned = true;
              break;
            }
            const batch = queue.records.splice(0, queue.consumer.trigger.batchSize);
            const outcome = await this.options.delivery.invoke(
              queue.consumer,
              this.options.shardId,
              batch.map(({ record }) => record),
            );
            if (outcome === 'abandoned') {
              this.abandoned = true;
              break;
            }
            for (const { tracked } of batch) tracked.waiting--;
            this.advance();
          }
        } finally {
          queue.busy = false;
          const wake = this.wake;
          this.wake = undefined;
          wake?.();
        }
      })(),
    );
  }

  /** Moves the checkpoint past the delivered records at the front. */
  private advance(): void {
    let last: string | undefined;
    while (this.order.length > 0 && (this.order[0] as Tracked).waiting === 0) {
      last = this.order.shift()?.sequenceNumber ?? last;
    }
    if (last !== undefined) this.options.checkpoint(last);
    if (this.order.length <= PENDING_MAX) {
      const wake = this.wake;
      this.wake = undefined;
      wake?.();
    }
  }
}

/** A stable hash of the record's partition key (FNV-1a): which of a consumer's queues takes it. */
function keyHash(record: DynamoDBRecord): number {
  const key = record.dynamodb?.Keys?.pk?.S ?? '';
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
