import type { Context } from 'aws-lambda';
import type { BusIngestDeps } from '#app/ingest-message.ts';
import { parseMskEvent, recordsByPartition } from '#composition/kafka-formats.ts';
import { kafkaIngestDeps } from '#composition/rules-engine.ts';
import { flushMetrics } from '#observability/metrics.ts';
import { observed } from '#observability/middleware.ts';
import { errorSummary, IngestCounts } from '#triggers/ingest-counts.ts';
import { forEachPartition, ingestRecord, KafkaBatchRetryError } from '#triggers/kafka-batch.ts';

export { KafkaBatchRetryError, MSK_RECORD_CONTENT_TYPE } from '#triggers/kafka-batch.ts';

/**
 * An MSK topic → the ingest core. Each record's value is one CloudEvent, JSON or protobuf
 * (functions/adapters/kafka/msk-record.ts says how the format is told apart).
 *
 * A record that can never take effect goes to the events DLQ and its partition moves on. A record
 * that may succeed later stops its partition; once every partition has finished or stopped, the
 * handler throws, and the MSK event source delivers the whole batch again. Records that took
 * effect the first time are then duplicates by CloudEvent id and change nothing.
 *
 * Not Powertools' kafkaConsumer: it deserializes every value of a function with one schema type,
 * while producers here may mix JSON and protobuf on one topic, chosen per record by its headers.
 */
export function makeIngestKafkaHandler(deps: () => BusIngestDeps) {
  return async (event: unknown, _context: Context): Promise<void> => {
    const parsed = parseMskEvent(event);
    // Not a record's fault: the function is wired to something other than MSK.
    if (!parsed.success)
      throw new Error('ingest-kafka: the event is not an MSK event (eventSource aws:kafka)');
    const bus = deps();
    const counts = new IngestCounts();
    const stopped = await forEachPartition(
      recordsByPartition(parsed.data.records),
      async (partition, entry) => {
        for (const outcome of await ingestRecord(bus, partition, entry)) counts.count(outcome);
      },
      (at, error) =>
        bus.log.warn('Record failed; its partition stops here and the batch will be delivered again', {
          at,
          error: errorSummary(error),
        }),
    );
    counts.retried = stopped.length;
    counts.emit();
    if (stopped.length > 0) {
      throw new KafkaBatchRetryError(
        `${stopped.length} partition(s) stopped at a record that may succeed later (${stopped.join(', ')}); the batch is delivered again`,
      );
    }
  };
}

export const handler = observed(makeIngestKafkaHandler(kafkaIngestDeps), { metrics: flushMetrics });
