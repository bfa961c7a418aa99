import {
  type BusIngestDeps,
  deadLetter,
  ingestCandidate,
  type MessageOrigin,
  type MessageOutcome,
} from '#app/ingest-message.ts';
import { decodeRecord, type PartitionRecord } from '#composition/kafka-formats.ts';
import { ingestBusEvents } from './cloud-event-batch.ts';

/** How a dead letter from Kafka carries its record: the MSK record as JSON, value still base64. */
export const MSK_RECORD_CONTENT_TYPE = 'application/vnd.tally.msk-record+json';

/** Some partition stopped at a record that may succeed later: the event source delivers the batch again. */
export class KafkaBatchRetryError extends Error {
  override readonly name = 'KafkaBatchRetryError';
}

/**
 * One MSK record → the ingest core, one outcome per event it carries (a batch record carries many):
 * a record that cannot be decoded, or an event that is not a valid CloudEvent, goes to the DLQ with
 * its reason.
 */
export async function ingestRecord(
  bus: BusIngestDeps,
  partition: string,
  entry: PartitionRecord,
): Promise<MessageOutcome[]> {
  if (!entry.ok) {
    const letter = await deadLetter(
      bus,
      {
        origin: 'kafka',
        originId: partition,
        body: JSON.stringify(entry.raw) ?? 'null',
        contentType: MSK_RECORD_CONTENT_TYPE,
      },
      { code: 'undecodable', reason: entry.reason },
    );
    return [letter];
  }
  const { record } = entry;
  const origin: MessageOrigin = {
    origin: 'kafka',
    originId: `${partition}@${record.offset}`,
    body: JSON.stringify(record),
    contentType: MSK_RECORD_CONTENT_TYPE,
  };
  const decoded = await decodeRecord(record);
  if (!decoded.ok) return [await deadLetter(bus, origin, { code: decoded.code, reason: decoded.reason })];
  if (decoded.format === 'batch') {
    return ingestBusEvents(bus, { ok: true, mode: 'batch', events: decoded.candidates }, origin);
  }
  return [await ingestCandidate(bus, decoded.candidate, origin)];
}

/**
 * Partitions concurrently, each in offset order. A record that throws stops its partition (its
 * later records wait for the redelivery); returns where each stopped partition stopped.
 */
export async function forEachPartition(
  partitions: readonly { partition: string; records: readonly PartitionRecord[] }[],
  handle: (partition: string, entry: PartitionRecord) => Promise<void>,
  onStop: (at: string, error: unknown) => void,
): Promise<string[]> {
  const stopped: string[] = [];
  await Promise.all(
    partitions.map(async ({ partition, records }) => {
      for (const entry of records) {
        try {
          await handle(partition, entry);
        } catch (error) {
          const at = entry.ok ? `${partition}@${entry.record.offset}` : partition;
          onStop(at, error);
          stopped.push(at);
          return;
        }
      }
    }),
  );
  return stopped;
}
