import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { RecordedEvents, RecordedPage, RecordedPageRequest } from '#ports/event-store.ts';
import { fromEventItems } from './table-layout/event-item.ts';
import { EVENT_SK_PREFIX } from './table-layout/keys.ts';

/**
 * Items one page reads at most (DynamoDB's Scan `Limit`, counted before the filter), so one page,
 * one jobs-queue message, publishes at most this many events (ten of the relay's 100-event
 * batches): about 0.4–0.5 MB of deposit items, under the 1 MB a Scan page reads anyway.
 */
export const RECORDED_SCAN_LIMIT = 1000;

/**
 * `RecordedEvents.recordedBetween`: a parallel Scan segment filtered to the event items recorded in
 * [fromMs, toMs). No index orders events by recording time, so the walk reads every item of the
 * table (the filter saves bytes on the wire, not read units). Items are decoded as every read of
 * an event decodes them (fromEventItems, also the outbox relay's). Eventually consistent: an event
 * item is written once and never changed, and the window is over when the job starts.
 * Its own module and port: only the re-publish job's page work (loaded with its first page) reads it.
 */
export async function scanRecordedEvents(
  client: DynamoDBDocumentClient,
  tableName: string,
  page: RecordedPageRequest,
  limit = RECORDED_SCAN_LIMIT,
): Promise<RecordedPage> {
  const result = await client.send(
    new ScanCommand({
      TableName: tableName,
      Segment: page.segment,
      TotalSegments: page.segments,
      Limit: limit,
      FilterExpression: 'begins_with(sk, :event) AND recordedAtMs >= :from AND recordedAtMs < :to',
      ExpressionAttributeValues: { ':event': EVENT_SK_PREFIX, ':from': page.fromMs, ':to': page.toMs },
      ...(page.cursor === null
        ? {}
        : { ExclusiveStartKey: JSON.parse(page.cursor) as Record<string, unknown> }),
    }),
  );
  return {
    events: await fromEventItems(result.Items ?? []),
    scanned: result.ScannedCount ?? 0,
    nextCursor: result.LastEvaluatedKey === undefined ? null : JSON.stringify(result.LastEvaluatedKey),
  };
}

/** The RecordedEvents port on one table. */
export class DynamoRecordedEvents implements RecordedEvents {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  recordedBetween(page: RecordedPageRequest): Promise<RecordedPage> {
    return scanRecordedEvents(this.client, this.tableName, page);
  }
}
