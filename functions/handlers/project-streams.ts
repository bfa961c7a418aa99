import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { z } from 'zod';
import type { SnapshotPolicy } from '#app/snapshots.ts';
import { projectWallet, ViewCache } from '#app/wallet-projection.ts';
import { laneFromEventSk, walletIdFromPk } from '#composition/formats.ts';
import { projectorDeps } from '#composition/lambda.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import { observed } from '#observability/middleware.ts';
import { logger, metrics } from '#observability/powertools.ts';
import type { EventStore } from '#ports/event-store.ts';
import type { ReadModelStore } from '#ports/read-models.ts';
import type { SnapshotStore } from '#ports/snapshots.ts';

const streamKeys = z.object({ pk: z.object({ S: z.string() }), sk: z.object({ S: z.string() }) });

/**
 * The stream is a doorbell: a record only says "wallet X changed". For each wallet named in the
 * batch, the projector reads the events after the view's `appliedVersion` from the store, in
 * order, so duplicates, reordering and gaps in delivery change nothing. A wallet that fails fails
 * only its own records (partial batch response); the rest of the batch is kept.
 */
export function makeProjectStreamsHandler(
  deps: () => Promise<{
    stores: { events: EventStore; readModels: ReadModelStore; snapshots?: SnapshotStore };
    config: ThresholdConfig;
    /** Snapshot a view every this many events (0 or absent: no snapshots). */
    snapshotEvery?: number;
  }>,
) {
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  const views = new ViewCache();
  return async (event: DynamoDBStreamEvent, context: Context) => {
    const { stores, config, snapshotEvery = 0 } = await deps();
    const snapshots: SnapshotPolicy | undefined =
      stores.snapshots === undefined || snapshotEvery <= 0
        ? undefined
        : {
            store: stores.snapshots,
            every: snapshotEvery,
            onError: (error, view) => {
              logger.warn('Snapshot not stored', {
                walletId: view.walletId,
                eventCount: view.eventCount,
                error: error as Error,
              });
              metrics.addMetric('SnapshotsFailed', MetricUnit.Count, 1);
            },
          };
    // Which lanes of which wallets rang, so each wallet is projected once per batch.
    const rang = new Map<string, Set<number>>();
    for (const record of event.Records) {
      const keys = streamKeys.safeParse(record.dynamodb?.Keys);
      const walletId = keys.success ? walletIdFromPk(keys.data.pk.S) : undefined;
      const lane = keys.success ? laneFromEventSk(keys.data.sk.S) : undefined;
      if (walletId === undefined || lane === undefined) continue;
      rang.set(walletId, (rang.get(walletId) ?? new Set()).add(lane));
    }
    const perWallet = new Map<string, Promise<unknown>>();
    const recordHandler = async (record: DynamoDBRecord): Promise<void> => {
      const keys = streamKeys.parse(record.dynamodb?.Keys);
      const walletId = walletIdFromPk(keys.pk.S);
      if (walletId === undefined) return; // not a wallet item: the event-source filter lets none through
      let projected = perWallet.get(walletId);
      if (projected === undefined) {
        const lanes = [...(rang.get(walletId) ?? [])];
        projected = projectWallet(
          stores.events,
          stores.readModels,
          walletId,
          config,
          lanes,
          views,
          snapshots,
        ).then((outcome) => {
          if (outcome.written) metrics.addMetric('ViewsWritten', MetricUnit.Count, 1);
        });
        perWallet.set(walletId, projected);
      }
      await projected;
    };
    return processPartialResponse(event, recordHandler, processor, { context });
  };
}

export const handler = observed(makeProjectStreamsHandler(projectorDeps), { metrics: true });
