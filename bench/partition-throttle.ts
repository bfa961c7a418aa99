/**
 * A simulation of DynamoDB's per-partition write limit, as a middleware on the clients a bench
 * builds: every write is charged (aws-capacity.ts) to the partition keys it lands on, each key has
 * a budget of write units per second, and a request that would overdraw a key's budget is held
 * until the budget allows it — what a throttled request retried with perfect backoff would see.
 *
 * What it models: one partition per partition key, each taking `unitsPerSecond` (DynamoDB: about
 * 1,000 WCU/s per partition), with one second of burst (buckets start empty). What it does not: adaptive capacity's
 * split for heat (which may split a hot key's sort-key range after minutes, and never helps a key
 * whose writes all go to the newest sort key), the 300 s of burst credit an idle partition saves,
 * read limits, and the SDK's own retry pauses (longer than the exact wait here). `partitionOf`
 * maps a key to the partition it is charged to: identity for the layout as built, or, to
 * measure another layout on the same writes, e.g. every lane of a wallet to the wallet's key.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { writeCharges } from './aws-capacity.ts';

interface Bucket {
  /** Units available at `atMs`; negative while requests wait for capacity already promised to them. */
  units: number;
  atMs: number;
}

export class PartitionThrottle {
  private readonly buckets = new Map<string, Bucket>();
  /** Milliseconds requests spent held back, in all. */
  heldMs = 0;
  /** Requests held back at least once. */
  held = 0;
  /** Units charged per partition (after `partitionOf`). */
  readonly unitsByPartition = new Map<string, number>();

  constructor(
    private readonly unitsPerSecond: number,
    private readonly partitionOf: (partitionKey: string) => string = (key) => key,
  ) {}

  attach(client: DynamoDBDocumentClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const charges = writeCharges(context.commandName ?? '', args.input as Record<string, unknown>);
        const waitMs = this.reserve(charges);
        if (waitMs > 0) {
          this.held++;
          this.heldMs += waitMs;
          await new Promise((resolve) => setTimeout(resolve, waitMs));
        }
        return next(args);
      },
      { step: 'initialize', name: 'tallyPartitionThrottle', priority: 'low' },
    );
  }

  /** Takes the request's units from each partition's bucket; returns how long it must wait. */
  private reserve(charges: readonly { partitionKey: string; units: number }[]): number {
    const nowMs = performance.now();
    let waitMs = 0;
    for (const { partitionKey, units } of charges) {
      const key = this.partitionOf(partitionKey);
      this.unitsByPartition.set(key, (this.unitsByPartition.get(key) ?? 0) + units);
      // A new bucket starts empty: the figure is the sustained rate, not a burst.
      const bucket = this.buckets.get(key) ?? { units: 0, atMs: nowMs };
      // Refill since the last charge, up to one second of budget (the burst).
      bucket.units = Math.min(
        this.unitsPerSecond,
        bucket.units + ((nowMs - bucket.atMs) / 1000) * this.unitsPerSecond,
      );
      bucket.atMs = nowMs;
      bucket.units -= units;
      this.buckets.set(key, bucket);
      if (bucket.units < 0) waitMs = Math.max(waitMs, (-bucket.units / this.unitsPerSecond) * 1000);
    }
    return waitMs;
  }
}
