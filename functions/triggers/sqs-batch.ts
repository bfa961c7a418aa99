import {
  BatchProcessor,
  EventType,
  processPartialResponse,
  SqsFifoPartialProcessorAsync,
} from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { isFifoQueue } from '#composition/formats.ts';

/**
 * Runs `recordHandler` over an SQS batch and answers with the records that failed
 * (`batchItemFailures`), so SQS delivers only those again; the rest of the batch is kept.
 *
 * A FIFO queue's batch is processed in order, and a failure fails the rest of its message group
 * (the wallet) in the batch, so a wallet's later events are never applied before its earlier ones;
 * other groups carry on. A standard queue's records are processed concurrently.
 *
 * A processor holds the batch it is working on, so each invocation gets its own: the local
 * runtime invokes one handler concurrently, where Lambda would use separate instances.
 * `throwOnFullBatchFailure: false`: a batch that failed whole is reported record by record,
 * which SQS treats the same as a thrown error, and the local poller can read it the same way.
 */
export function processSqsBatch(
  event: SQSEvent,
  context: Context,
  recordHandler: (record: SQSRecord) => Promise<unknown>,
): Promise<SQSBatchResponse> {
  if (isFifoQueue(event.Records[0]?.eventSourceARN ?? '')) {
    return processPartialResponse(event, recordHandler, new SqsFifoPartialProcessorAsync(), {
      context,
      skipGroupOnError: true,
      throwOnFullBatchFailure: false,
    });
  }
  return processPartialResponse(event, recordHandler, new BatchProcessor(EventType.SQS), {
    context,
    throwOnFullBatchFailure: false,
  });
}
