import { randomUUID } from 'node:crypto';
import type { DynamoDBRecord } from 'aws-lambda';
import type { FunctionSpec } from '#lib/wiring.ts';
import { lambdaContext } from './lambda.ts';

/** What an on-failure destination receives for a stream batch that ran out of retries. */
export interface StreamBatchFailure {
  version: '1.0';
  timestamp: string;
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: 'RetryAttemptsExhausted';
    approximateInvokeCount: number;
  };
  responseContext: { statusCode: number; executedVersion: string; functionError: string };
  DDBStreamBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
    batchSize: number;
    streamArn: string;
  };
}

/** The record an on-failure destination would get for `records`, which ran out of retries. */
export function streamBatchFailure(input: {
  spec: FunctionSpec;
  region: string;
  streamArn: string;
  shardId: string;
  records: readonly DynamoDBRecord[];
  invokeCount: number;
}): StreamBatchFailure {
  const { records } = input;
  const first = records[0];
  const last = records.at(-1);
  const arrival = (record: DynamoDBRecord | undefined): string =>
    new Date((record?.dynamodb?.ApproximateCreationDateTime ?? 0) * 1000).toISOString();
  return {
    version: '1.0',
    timestamp: new Date().toISOString(),
    requestContext: {
      requestId: randomUUID(),
      functionArn: lambdaContext(input.spec, input.region).invokedFunctionArn,
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: input.invokeCount,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    DDBStreamBatchInfo: {
      shardId: input.shardId,
      startSequenceNumber: first?.dynamodb?.SequenceNumber ?? '',
      endSequenceNumber: last?.dynamodb?.SequenceNumber ?? '',
      approximateArrivalOfFirstRecord: arrival(first),
      approximateArrivalOfLastRecord: arrival(last),
      batchSize: records.length,
      streamArn: input.streamArn,
    },
  };
}
