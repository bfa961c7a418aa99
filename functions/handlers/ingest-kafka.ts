import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import {
  type BusIngestDeps,
  deadLetter,
  decodeRecord,
  ingestCandidate,
  type MessageOrigin,
  type MessageOutcome,
  mskEventSchema,
  type PartitionRecord,
  recordsByPartition,
} from '#composition/formats.ts';
import { busIngestDeps } from '#composition/lambda.ts';
import { observed } from '#observability/middleware.ts';
import { metrics } from '#observability/powertools.ts';

/** How a dead letter from Kafka carries its record: the MSK record as JSON, value still base64. */
export const MSK_RECORD_CONTENT_TYPE = 'application/vnd.tally.msk-record+json';

/** Some partition stopped at a record that may succeed later: the event source delivers the batch again. */
export class KafkaBatchRetryError extends Error {
  override readonly name = 'KafkaBatchRetryError';
}

/**
 * An MSK topic → the ingest core. Each record's value is one CloudEvent, JSON or protobuf
 * (functions/adapters/kafka/msk-record.ts says how the format is told apart).
 *
 * Partitions are processed concurrently, each in offset order. A record that can never take
 * effect goes to the events DLQ with its reason and its partition moves on. A record that may
 * succeed later stops its partition; once every partition has finished or stopped, the handler
 * throws, and the MSK event source delivers the whole batch again. Records that took effect the
 * first time are then duplicates by CloudEvent id and change nothing: exactly once, in effect.
 *
 * Not Powertools' kafkaConsumer: it deserializes every value of a function with one schema type,
 * while producers here may mix JSON and protobuf on one topic, chosen per record by its headers.
 */
export function makeIngestKafkaHandler(deps: () => BusIngestDeps) {
  return async (event: unknown, _context: Context): Promise<void> => {
    const parsed = mskEventSchema.safeParse(event);
    // Not a record's fault: the function is wired to something other than MSK.
    if (!parsed.success)
      throw new Error('ingest-kafka: the event is not an MSK event (eventSource aws:kafka)');
    const bus = deps();
    const counts = { recorded: 0, duplicate: 0, deadLettered: 0 };
    const stopped: string[] = [];

    await Promise.all(
      recordsByPartition(parsed.data.records).map(async ({ partition, records }) => {
        for (const entry of records) {
          let outcome: MessageOutcome;
          try {
            outcome = await ingestRecord(bus, partition, entry);
          } catch (error) {
            const at = entry.ok ? `${partition}@${entry.record.offset}` : partition;
            bus.log.warn('Record failed; its partition stops here and the batch will be delivered again', {
              at,
              error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
            });
            stopped.push(at);
            return;
          }
          if (outcome.kind === 'recorded') counts.recorded++;
          else if (outcome.kind === 'duplicate') counts.duplicate++;
          else counts.deadLettered++;
        }
      }),
    );

    if (counts.recorded > 0) metrics.addMetric('EventsRecorded', MetricUnit.Count, counts.recorded);
    if (counts.duplicate > 0) metrics.addMetric('EventsDuplicate', MetricUnit.Count, counts.duplicate);
    if (counts.deadLettered > 0)
      metrics.addMetric('EventsDeadLettered', MetricUnit.Count, counts.deadLettered);
    if (stopped.length > 0) {
      metrics.addMetric('EventsRetried', MetricUnit.Count, stopped.length);
      throw new KafkaBatchRetryError(
        `${stopped.length} partition(s) stopped at a record that may succeed later (${stopped.join(', ')}); the batch is delivered again`,
      );
    }
  };
}

async function ingestRecord(
  bus: BusIngestDeps,
  partition: string,
  entry: PartitionRecord,
): Promise<MessageOutcome> {
  if (!entry.ok) {
    return deadLetter(
      bus,
      {
        origin: 'kafka',
        originId: partition,
        body: JSON.stringify(entry.raw) ?? 'null',
        contentType: MSK_RECORD_CONTENT_TYPE,
      },
      { code: 'undecodable', reason: entry.reason },
    );
  }
  const { record } = entry;
  const origin: MessageOrigin = {
    origin: 'kafka',
    originId: `${partition}@${record.offset}`,
    body: JSON.stringify(record),
    contentType: MSK_RECORD_CONTENT_TYPE,
  };
  const decoded = decodeRecord(record);
  if (!decoded.ok) return deadLetter(bus, origin, { code: decoded.code, reason: decoded.reason });
  return ingestCandidate(bus, decoded.candidate, origin);
}

export const handler = observed(makeIngestKafkaHandler(busIngestDeps), { metrics: true });
