import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { type BusIngestDeps, deadLetter, ingestCandidate, type MessageOutcome } from '#app/ingest-message.ts';
import { busIngestDeps } from '#composition/lambda.ts';
import { observed } from '#observability/middleware.ts';
import { errorSummary, IngestCounts } from '#triggers/ingest-counts.ts';
import { processSqsBatch } from '#triggers/sqs-batch.ts';

/** One message body (a CloudEvent as JSON) → the ingest core; a body that is not JSON goes to the DLQ. */
async function ingestMessage(bus: BusIngestDeps, record: SQSRecord): Promise<MessageOutcome> {
  const origin = { origin: 'sqs', originId: record.messageId, body: record.body } as const;
  let candidate: unknown;
  try {
    candidate = JSON.parse(record.body);
  } catch (error) {
    const detail = error instanceof SyntaxError ? error.message : 'not JSON';
    return deadLetter(bus, origin, {
      code: 'malformed-json',
      reason: `the message body is not JSON: ${detail}`,
    });
  }
  return ingestCandidate(bus, candidate, origin);
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
    const response = await processSqsBatch(event, context, async (record) => {
      try {
        return counts.count(await ingestMessage(bus, record));
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

export const handler = observed(makeIngestQueueHandler(busIngestDeps), { metrics: true });
