import {
  BatchProcessor,
  EventType,
  processPartialResponse,
  SqsFifoPartialProcessorAsync,
} from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import {
  type BusIngestDeps,
  deadLetter,
  ingestCandidate,
  isFifoQueue,
  type MessageOutcome,
} from '#composition/formats.ts';
import { busIngestDeps } from '#composition/lambda.ts';
import { observed } from '#observability/middleware.ts';
import { metrics } from '#observability/powertools.ts';

/**
 * The events queue → the ingest core. Each message body is one CloudEvent in the structured JSON
 * format. A message that can never take effect goes straight to the DLQ with its reason and leaves
 * the queue; one that failed for a passing reason is reported in `batchItemFailures`, so SQS
 * delivers it again (and after `maxReceiveCount` receives the redrive policy moves it to the DLQ,
 * its reasons in the log). The rest of the batch is kept either way.
 *
 * A FIFO queue's batch is processed in order, and a failure fails the rest of its message group
 * (the wallet) in the batch, so a wallet's later events are never applied before its earlier ones;
 * other groups carry on. A standard queue's records are processed concurrently.
 */
export function makeIngestQueueHandler(deps: () => BusIngestDeps) {
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const bus = deps();
    const counts = { recorded: 0, duplicate: 0, deadLettered: 0, failed: 0 };

    const recordHandler = async (record: SQSRecord): Promise<MessageOutcome> => {
      const origin = { origin: 'sqs', originId: record.messageId, body: record.body } as const;
      let outcome: MessageOutcome;
      try {
        let candidate: unknown;
        try {
          candidate = JSON.parse(record.body);
        } catch (error) {
          const detail = error instanceof SyntaxError ? error.message : 'not JSON';
          outcome = await deadLetter(bus, origin, {
            code: 'malformed-json',
            reason: `the message body is not JSON: ${detail}`,
          });
          counts.deadLettered++;
          return outcome;
        }
        outcome = await ingestCandidate(bus, candidate, origin);
      } catch (error) {
        counts.failed++;
        bus.log.warn('Message failed; SQS will deliver it again until its receive limit', {
          messageId: record.messageId,
          receiveCount: record.attributes?.ApproximateReceiveCount,
          error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
        });
        throw error;
      }
      if (outcome.kind === 'recorded') counts.recorded++;
      else if (outcome.kind === 'duplicate') counts.duplicate++;
      else counts.deadLettered++;
      return outcome;
    };

    // A processor holds the batch it is working on, so each invocation gets its own: the local
    // runtime invokes one handler concurrently, where Lambda would use separate instances.
    // `throwOnFullBatchFailure: false`: a batch that failed whole is reported record by record,
    // which SQS treats the same as a thrown error, and the local poller can read it the same way.
    const fifo = isFifoQueue(event.Records[0]?.eventSourceARN ?? '');
    const response = fifo
      ? await processPartialResponse(event, recordHandler, new SqsFifoPartialProcessorAsync(), {
          context,
          skipGroupOnError: true,
          throwOnFullBatchFailure: false,
        })
      : await processPartialResponse(event, recordHandler, new BatchProcessor(EventType.SQS), {
          context,
          throwOnFullBatchFailure: false,
        });

    if (counts.recorded > 0) metrics.addMetric('EventsRecorded', MetricUnit.Count, counts.recorded);
    if (counts.duplicate > 0) metrics.addMetric('EventsDuplicate', MetricUnit.Count, counts.duplicate);
    if (counts.deadLettered > 0)
      metrics.addMetric('EventsDeadLettered', MetricUnit.Count, counts.deadLettered);
    if (counts.failed > 0) metrics.addMetric('EventsRetried', MetricUnit.Count, counts.failed);
    return response;
  };
}

export const handler = observed(makeIngestQueueHandler(busIngestDeps), { metrics: true });
