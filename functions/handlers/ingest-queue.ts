import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { decodeBusMessage } from '#app/cloud-event-bus.ts';
import type { BusIngestDeps, MessageOutcome } from '#app/ingest-message.ts';
import { isFifoQueue } from '#composition/formats.ts';
import { busIngestDeps } from '#composition/rules-engine.ts';
import { flushMetrics } from '#observability/metrics.ts';
import { observed } from '#observability/middleware.ts';
import { ingestBusBatch, ingestBusEvents } from '#triggers/cloud-event-batch.ts';
import { errorSummary, IngestCounts } from '#triggers/ingest-counts.ts';
import { processSqsBatch } from '#triggers/sqs-batch.ts';

/** A message's text attributes (binary-valued ones carry no CloudEvent attribute). */
function textAttributes(record: SQSRecord): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const [name, value] of Object.entries(record.messageAttributes ?? {})) {
    if (value.stringValue !== undefined) attributes.set(name, value.stringValue);
  }
  return attributes;
}

/**
 * One message → the ingest core, one outcome per event it carries: a CloudEvent in binary mode
 * (`ce_`/`ce-` message attributes), structured (the body) or a batch (a JSON array body); see
 * app/cloud-event-bus.ts. A body that is not JSON goes to the DLQ.
 */
function ingestMessage(bus: BusIngestDeps, record: SQSRecord): Promise<MessageOutcome[]> {
  const origin = { origin: 'sqs', originId: record.messageId, body: record.body } as const;
  return ingestBusEvents(bus, decodeBusMessage(textAttributes(record), record.body), origin);
}

/**
 * The events queue → the ingest core. A message that can never take effect goes straight to the
 * DLQ with its reason and leaves the queue; one that failed for a passing reason is reported in
 * `batchItemFailures`, so SQS delivers it again (after `maxReceiveCount` receives the redrive
 * policy moves it to the DLQ). Ordering per wallet on FIFO queues: functions/triggers/sqs-batch.ts.
 */
export function makeIngestQueueHandler(deps: () => BusIngestDeps) {
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const bus = deps();
    const counts = new IngestCounts();
    // A standard queue's batch is ingested together (triggers/cloud-event-batch.ts), then each
    // record answers from it; a FIFO queue's stays message by message, in order.
    const together = isFifoQueue(event.Records[0]?.eventSourceARN ?? '')
      ? undefined
      : await ingestBusBatch(
          bus,
          event.Records.map((record) => ({
            decoded: decodeBusMessage(textAttributes(record), record.body),
            origin: { origin: 'sqs', originId: record.messageId, body: record.body } as const,
          })),
        );
    const byRecord = new Map(event.Records.map((record, index) => [record.messageId, together?.[index]]));
    const response = await processSqsBatch(event, context, async (record) => {
      try {
        const settled = byRecord.get(record.messageId);
        if (settled !== undefined && !settled.ok) throw settled.error;
        const outcomes = settled?.ok ? settled.outcomes : await ingestMessage(bus, record);
        return outcomes.map((outcome) => counts.count(outcome));
      } catch (error) {
        counts.retried++;
        bus.log.warn('Message failed; SQS will deliver it again until its receive limit', {
          messageId: record.messageId,
          receiveCount: record.attributes?.ApproximateReceiveCount,
          error: errorSummary(error),
        });
        throw error;
      }
    });
    counts.emit();
    return response;
  };
}

export const handler = observed(makeIngestQueueHandler(busIngestDeps), { metrics: flushMetrics });
