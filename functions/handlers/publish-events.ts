import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import type { PublishOptions } from '#app/publish.ts';
import { type BatchResponse, publishStreamBatch, type StoredEventKey } from '#app/publish-stream.ts';
import { publishEventsDepsFromEnv } from '#composition/publish-events.ts';
import { flushMetrics, metrics } from '#observability/metrics.ts';
import { observed } from '#observability/middleware.ts';
import { logger } from '#observability/powertools.ts';
import { tracedBus } from '#observability/traced-ports.ts';
import type { EventBus } from '#ports/event-bus.ts';
import type { EventStore } from '#ports/event-store.ts';

export type PublishEventsDeps = { events: EventStore; bus: EventBus } & PublishOptions & {
    /** The stored event a stream record's keys name (undefined: not an event item). */
    keyOf: (keys: unknown) => StoredEventKey | undefined;
  };

/**
 * The outbox relay's Lambda: a second, filtered trigger on the table's stream (new event items).
 * Each record names an event item; the event is read from the store and published as a
 * CloudEvent. Records whose events the bus did not take are retried (partial batch response);
 * an event no bus can ever take (too large) is logged and counted, not retried forever.
 */
export function makePublishEventsHandler(deps: () => Promise<PublishEventsDeps>) {
  return async (event: DynamoDBStreamEvent): Promise<BatchResponse> => {
    const resolved = await deps();
    const records = event.Records.map((record) => {
      const key = resolved.keyOf(record.dynamodb?.Keys);
      // A NEW_IMAGE stream's record carries the event item: the store decodes it instead of reading.
      const image = record.dynamodb?.NewImage;
      return {
        itemIdentifier: record.dynamodb?.SequenceNumber ?? '',
        key: key === undefined || image === undefined ? key : { ...key, image },
      };
    });
    // A `publish` span in the trace of each request whose events go out (the stored traceparent).
    const outcome = await publishStreamBatch({ ...resolved, bus: tracedBus(resolved.bus) }, records);
    for (const rejected of outcome.rejected) {
      logger.error('Event cannot be published', {
        walletId: rejected.walletId,
        lane: rejected.lane,
        version: rejected.version,
        cloudEventId: rejected.failure.id,
        code: rejected.failure.code,
        reason: rejected.failure.message,
      });
    }
    metrics.addMetric('EventsPublished', MetricUnit.Count, outcome.published);
    if (outcome.rejected.length > 0)
      metrics.addMetric('EventsNotPublishable', MetricUnit.Count, outcome.rejected.length);
    if (outcome.failed.length > 0) {
      metrics.addMetric('EventsPublishRetried', MetricUnit.Count, outcome.failed.length);
      logger.warn('Events left for the stream to retry', { count: outcome.failed.length });
    }
    return { batchItemFailures: outcome.batchItemFailures };
  };
}

export const handler = observed(
  makePublishEventsHandler(async () => publishEventsDepsFromEnv()),
  { metrics: flushMetrics },
);
