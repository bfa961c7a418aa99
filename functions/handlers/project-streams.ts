import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { prefetchDoorbells } from '#app/projection-batch.ts';
import type { SnapshotPolicy } from '#app/snapshots.ts';
import { projectWallet, ViewCache } from '#app/wallet-projection.ts';
import { projectorDeps } from '#composition/lambda.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import { flushMetrics, metrics } from '#observability/metrics.ts';
import { observed } from '#observability/middleware.ts';
import { logger } from '#observability/powertools.ts';
import { recordedIn, traceReads } from '#observability/traced-ports.ts';
import type { EventStore } from '#ports/event-store.ts';
import type { ReadModelStore } from '#ports/read-models.ts';
import type { SnapshotStore } from '#ports/snapshots.ts';
import { eventsRung, processWalletDoorbells, streamProcessor } from '#triggers/stream-batch.ts';

export interface ProjectorDeps {
  stores: { events: EventStore; readModels: ReadModelStore; snapshots?: SnapshotStore };
  /** The active rule set's threshold: a promise is awaited with the batch read, not before it. */
  config: ThresholdConfig | Promise<ThresholdConfig>;
  /** Snapshot a view every this many events (0 or absent: no snapshots). */
  snapshotEvery?: number;
}

/** Snapshots as configured; a snapshot that cannot be stored is logged and counted, never fatal. */
const snapshotPolicy = ({ stores, snapshotEvery = 0 }: ProjectorDeps): SnapshotPolicy | undefined =>
  stores.snapshots === undefined || snapshotEvery <= 0
    ? undefined
    : {
        store: stores.snapshots,
        every: snapshotEvery,
        onError: (error, view) => {
          const { walletId, eventCount } = view;
          logger.warn('Snapshot not stored', { walletId, eventCount, error: error as Error });
          metrics.addMetric('SnapshotsFailed', MetricUnit.Count, 1);
        },
      };

/**
 * The stream is a doorbell: a record only says "wallet X changed". For each wallet named in the
 * batch, the projector reads the events after the view's `appliedVersion` from the store, in
 * order, so duplicates, reordering and gaps in delivery change nothing.
 */
export function makeProjectStreamsHandler(deps: () => Promise<ProjectorDeps>) {
  const processor = streamProcessor();
  const views = new ViewCache();
  return async (event: DynamoDBStreamEvent, context: Context) => {
    const loaded = await deps();
    const { stores } = loaded;
    const snapshots = snapshotPolicy(loaded);
    const { readModels } = stores;
    // The batch's events and unknown views in one round trip (app/projection-batch.ts), while the
    // threshold is read (a cold start's rule-set read): the fold needs both, neither needs the other.
    const [config, prefetched] = await Promise.all([
      loaded.config,
      prefetchDoorbells(stores.events, readModels, eventsRung(event.Records), views, (error) =>
        logger.warn('Batch read failed; each wallet reads its own', { error: error as Error }),
      ),
    ]);
    return processWalletDoorbells(event, context, processor, async (walletId, lanes) => {
      // A `projection` span in the trace of each request whose events this fold read.
      const events = traceReads(stores.events);
      const prefetch = prefetched.get(walletId);
      for (const held of prefetch?.events?.values() ?? []) events.note(held ?? []);
      const outcome = await recordedIn('projection', events.contexts, { 'tally.wallet_id': walletId }, () =>
        projectWallet(events.store, readModels, walletId, config, lanes, views, snapshots, prefetch),
      );
      if (outcome.written) metrics.addMetric('ViewsWritten', MetricUnit.Count, 1);
    });
  };
}

export const handler = observed(makeProjectStreamsHandler(projectorDeps), { metrics: flushMetrics });
