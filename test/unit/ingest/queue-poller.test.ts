import { describe, expect, it } from 'vitest';
import { failedMessageIds, toLambdaRecord } from '#local/queue-poller.ts';
import { sqsRecord } from '../../fixtures/bus-events.ts';

describe('the local queue poller reads partial batch responses as Lambda does', () => {
  const batch = [sqsRecord('{}', { messageId: 'a' }), sqsRecord('{}', { messageId: 'b' })];

  it.each([
    ['no result', undefined, []],
    ['no batchItemFailures', {}, []],
    ['an empty list', { batchItemFailures: [] }, []],
    ['one failure', { batchItemFailures: [{ itemIdentifier: 'b' }] }, ['b']],
    [
      'an unknown identifier (the whole batch fails)',
      { batchItemFailures: [{ itemIdentifier: 'zzz' }] },
      ['a', 'b'],
    ],
    [
      'an empty identifier (the whole batch fails)',
      { batchItemFailures: [{ itemIdentifier: '' }] },
      ['a', 'b'],
    ],
    ['a list that is not a list (the whole batch fails)', { batchItemFailures: 'b' }, ['a', 'b']],
  ])('%s', (_name, result, failed) => {
    expect([...failedMessageIds(result, batch)].sort()).toEqual(failed);
  });
});

describe('toLambdaRecord', () => {
  it('shapes an SQS message as the Lambda SQS event source does', () => {
    const record = toLambdaRecord(
      {
        MessageId: 'm-1',
        ReceiptHandle: 'rh-1',
        Body: '{"id":"x"}',
        MD5OfBody: 'md5',
        Attributes: {
          ApproximateReceiveCount: '2',
          SentTimestamp: '1763805600000',
          SenderId: '000000000000',
          ApproximateFirstReceiveTimestamp: '1763805600100',
          MessageGroupId: 'w1',
        },
        MessageAttributes: {
          reason: { DataType: 'String', StringValue: 'why' },
          blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2]) },
        },
      },
      'arn:aws:sqs:us-east-1:000000000000:tally-events.fifo',
      'us-east-1',
    );
    expect(record).toEqual({
      messageId: 'm-1',
      receiptHandle: 'rh-1',
      body: '{"id":"x"}',
      attributes: {
        ApproximateReceiveCount: '2',
        SentTimestamp: '1763805600000',
        SenderId: '000000000000',
        ApproximateFirstReceiveTimestamp: '1763805600100',
        MessageGroupId: 'w1',
      },
      messageAttributes: {
        reason: { dataType: 'String', stringValue: 'why', stringListValues: [], binaryListValues: [] },
        blob: { dataType: 'Binary', binaryValue: 'AQI=', stringListValues: [], binaryListValues: [] },
      },
      md5OfBody: 'md5',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:tally-events.fifo',
      awsRegion: 'us-east-1',
    });
  });
});
