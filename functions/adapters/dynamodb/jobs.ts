import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Job, JobSegment, JobStore, PageResult } from '#ports/jobs.ts';
import { fromJobItem, fromJobSegmentItem, toJobItem, toJobSegmentItem } from './table-layout/job-items.ts';
import { JOB_PK_PREFIX, JOB_SK, jobPk, jobSegmentSk } from './table-layout/keys.ts';

/** Jobs in the event-store table: one item for the job, one per segment (see table-layout/job-items.ts). */
export class DynamoJobStore implements JobStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(job: Job): Promise<void> {
    const segments = Array.from({ length: job.segments }, (_, segment) => segment);
    await this.client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.tableName,
              Item: toJobItem(job),
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          ...segments.map((segment) => ({
            Put: { TableName: this.tableName, Item: toJobSegmentItem(job, segment) },
          })),
        ],
      }),
    );
  }

  async get(jobId: string): Promise<{ job: Job; segments: JobSegment[] } | undefined> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': jobPk(jobId) },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(result.Items ?? []));
      startKey = result.LastEvaluatedKey;
    } while (startKey !== undefined);
    const jobItem = items.find((item) => item.sk === JOB_SK);
    if (jobItem === undefined) return undefined;
    const segments = items
      .filter((item) => item.sk !== JOB_SK)
      .map(fromJobSegmentItem)
      .sort((a, b) => a.segment - b.segment);
    return { job: fromJobItem(jobItem), segments };
  }

  async unfinishedSegments(): Promise<{ jobId: string; segment: JobSegment }[]> {
    const found: { jobId: string; segment: JobSegment }[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: '#kind = :segment AND #done = :no',
          ExpressionAttributeNames: { '#kind': 'kind', '#done': 'done' },
          ExpressionAttributeValues: { ':segment': 'job-segment', ':no': false },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of result.Items ?? []) {
        found.push({ jobId: String(item.pk).slice(JOB_PK_PREFIX.length), segment: fromJobSegmentItem(item) });
      }
      startKey = result.LastEvaluatedKey;
    } while (startKey !== undefined);
    return found;
  }

  async completePage(
    jobId: string,
    segment: number,
    page: number,
    result: PageResult,
  ): Promise<'recorded' | 'stale'> {
    const { counters } = result;
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: jobPk(jobId), sk: jobSegmentSk(segment) },
          UpdateExpression:
            'SET #page = :next, #cursor = :cursor, #done = :done, #changes = :changes, finishedAtMs = :at ' +
            'ADD wallets :wallets, eventsDone :events, changed :changed, written :written, facts :facts, ' +
            'walletsWithDifference :differing, awardedPoints :awarded, candidatePoints :candidate, ' +
            'adjustmentsAppended :adjustments, ruleErrors :ruleErrors, #scanned :scanned, ' +
            '#published :published, #rejected :rejected',
          ConditionExpression: '#page = :page',
          ExpressionAttributeNames: {
            '#page': 'page',
            '#cursor': 'cursor',
            '#done': 'done',
            '#changes': 'changes',
            '#scanned': 'scanned',
            '#published': 'published',
            '#rejected': 'rejected',
          },
          ExpressionAttributeValues: {
            ':page': page,
            ':next': page + 1,
            ':cursor': result.nextCursor,
            ':done': result.nextCursor === null,
            ':changes': JSON.stringify(result.changes),
            ':at': result.finishedAtMs,
            ':wallets': counters.wallets,
            ':events': counters.events,
            ':changed': counters.changed,
            ':written': counters.written,
            ':facts': counters.facts,
            ':differing': counters.walletsWithDifference,
            ':awarded': counters.awardedPoints,
            ':candidate': counters.candidatePoints,
            ':adjustments': counters.adjustmentsAppended,
            ':ruleErrors': counters.ruleErrors,
            ':scanned': counters.scanned,
            ':published': counters.published,
            ':rejected': counters.rejected,
          },
        }),
      );
      return 'recorded';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'stale';
      throw error;
    }
  }
}
