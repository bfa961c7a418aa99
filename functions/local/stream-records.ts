import type {
  AttributeValue as StreamAttributeValue,
  _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import { type StreamFilterSpec, TABLE } from '#lib/wiring.ts';

/**
 * What Lambda's DynamoDB Streams event source does to each record: filter it, reshape it for the
 * event, and read a partial batch response.
 */

/** The trigger's filter, as the CDK stack hands it to the event-source mapping. */
export function matchesTableStreamFilter(
  filter: StreamFilterSpec,
  record: Pick<StreamRecord, 'eventName' | 'dynamodb'>,
): boolean {
  const sortKey = record.dynamodb?.Keys?.[TABLE.sortKey];
  return (
    record.eventName === filter.eventName &&
    sortKey !== undefined &&
    'S' in sortKey &&
    typeof sortKey.S === 'string' &&
    sortKey.S.startsWith(filter.sortKeyPrefix)
  );
}

/** The SDK decodes binary attributes to bytes; Lambda's JSON event carries them as base64. */
function toLambdaAttribute(value: StreamAttributeValue): AttributeValue {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((bytes) => Buffer.from(bytes).toString('base64')) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaAttribute) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  const { $unknown: _unknown, ...plain } = value as StreamAttributeValue & { $unknown?: unknown };
  return plain as AttributeValue;
}

function toLambdaImage(image: Record<string, StreamAttributeValue>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, toLambdaAttribute(value)]));
}

/** A Streams API record as Lambda puts it in the event (dates as epoch seconds, bytes as base64). */
export function toLambdaRecord(record: StreamRecord, streamArn: string, region: string): DynamoDBRecord {
  const data = record.dynamodb ?? {};
  const created = data.ApproximateCreationDateTime;
  return {
    eventID: record.eventID ?? '',
    ...(record.eventName === undefined ? {} : { eventName: record.eventName }),
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: record.awsRegion ?? region,
    dynamodb: {
      ...(created === undefined ? {} : { ApproximateCreationDateTime: Math.floor(created.getTime() / 1000) }),
      ...(data.Keys === undefined ? {} : { Keys: toLambdaImage(data.Keys) }),
      ...(data.NewImage === undefined ? {} : { NewImage: toLambdaImage(data.NewImage) }),
      ...(data.OldImage === undefined ? {} : { OldImage: toLambdaImage(data.OldImage) }),
      ...(data.SequenceNumber === undefined ? {} : { SequenceNumber: data.SequenceNumber }),
      ...(data.SizeBytes === undefined ? {} : { SizeBytes: data.SizeBytes }),
      ...(data.StreamViewType === undefined ? {} : { StreamViewType: data.StreamViewType }),
    },
    eventSourceARN: streamArn,
  };
}

/**
 * Where to resume after an invocation, by Lambda's partial-batch rules: undefined means the whole
 * batch succeeded (no result, no or an empty `batchItemFailures`); otherwise the index of the first
 * failed record. An identifier that is empty or names no record in the batch fails the whole batch.
 */
export function firstFailedIndex(result: unknown, batch: readonly DynamoDBRecord[]): number | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  const failures = (result as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return undefined;
  if (!Array.isArray(failures)) return 0;
  if (failures.length === 0) return undefined;
  let first = batch.length;
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    const index =
      typeof id === 'string' && id !== ''
        ? batch.findIndex((record) => record.dynamodb?.SequenceNumber === id)
        : -1;
    if (index === -1) return 0;
    first = Math.min(first, index);
  }
  return first;
}
