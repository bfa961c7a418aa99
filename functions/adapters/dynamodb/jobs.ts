import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  PutCommand,
  paginateQuery,
  paginateScan,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Job, JobSegment, JobStore, PageResult } from '#ports/jobs.ts';
import {
  fromJobItem,
  fromJobSegmentItem,
  fromRunningSegmentItem,
  RUNNING_COMPLETE_ITEM,
  runningSegmentKey,
  toJobItem,
  toJobSegmentItem,
  toRunningSegmentItem,
} from './table-layout/job-items.ts';
import {
  JOB_SK,
  JOBS_RUNNING_COMPLETE_SK,
  JOBS_RUNNING_PK,
  jobPk,
  jobSegmentSk,
} from './table-layout/keys.ts';

/**
 * Jobs in the event-store table: one item for the job, one per segment (see table-layout/job-items.ts),
 * and one registry entry per unfinished segment (JOBS#RUNNING), written in the transaction that
 * creates the job and deleted in the one that finishes the segment: resuming reads the registry
 * and the jobs it names, never the whole table (but once, for jobs created before the registry).
 */
export class DynamoJobStore implements JobStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(job: Job): Promise<void> {
    const segments = Array.from({ length: job.segments }, (_, segment) => toJobSegmentItem(job, segment));
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
          ...segments.map((Item) => ({ Put: { TableName: this.tableName, Item } })),
          ...segments.map((item) => ({
            Put: { TableName: this.tableName, Item: toRunningSegmentItem(item) },
          })),
        ],
      }),
    );
  }

  async get(jobId: string): Promise<{ job: Job; segments: JobSegment[] } | undefined> {
    const items = await this.partition(jobPk(jobId));
    const jobItem = items.find((item) => item.sk === JOB_SK);
    if (jobItem === undefined) return undefined;
    const segments = items
      .filter((item) => item.sk !== JOB_SK)
      .map(fromJobSegmentItem)
      .sort((a, b) => a.segment - b.segment);
    return { job: fromJobItem(jobItem), segments };
  }

  /**
   * The registry's entries name the jobs with unfinished segments; each job is then read whole (a
   * Query), so a segment is resumed from its own item's page and cursor. Reads grow with the
   * running jobs, not the table. An entry whose segment is done or whose job expired (the Scan
   * below raced a finishing page) names nothing to resume.
   */
  async unfinishedSegments(): Promise<{ jobId: string; job: Job; segment: JobSegment }[]> {
    const registry = await this.partition(JOBS_RUNNING_PK);
    const complete = registry.some((item) => item.sk === JOBS_RUNNING_COMPLETE_SK);
    const entries = registry
      .filter((item) => item.sk !== JOBS_RUNNING_COMPLETE_SK)
      .map(fromRunningSegmentItem);
    if (!complete) entries.push(...(await this.enterOlderJobs()));
    const found: { jobId: string; job: Job; segment: JobSegment }[] = [];
    for (const jobId of new Set(entries.map((entry) => entry.jobId))) {
      const state = await this.get(jobId);
      if (state === undefined) continue;
      for (const segment of state.segments) if (!segment.done) found.push({ jobId, job: state.job, segment });
    }
    return found;
  }

  /**
   * A table written before the registry existed may hold unfinished segments without entries: one
   * Scan finds them, enters them, then marks the registry complete (a crash before the mark only
   * means the Scan runs again at the next start). Runs once per table.
   */
  private async enterOlderJobs(): Promise<{ jobId: string; segment: number }[]> {
    const unfinished: Record<string, unknown>[] = [];
    const pages = paginateScan(
      { client: this.client },
      {
        TableName: this.tableName,
        FilterExpression: '#kind = :segment AND #done = :no',
        ExpressionAttributeNames: { '#kind': 'kind', '#done': 'done' },
        ExpressionAttributeValues: { ':segment': 'job-segment', ':no': false },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) unfinished.push(...(page.Items ?? []));
    const entries = unfinished.map(toRunningSegmentItem);
    for (const Item of entries) await this.client.send(new PutCommand({ TableName: this.tableName, Item }));
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: RUNNING_COMPLETE_ITEM }));
    return entries.map(fromRunningSegmentItem);
  }

  /** Every item of one partition, read consistently. */
  private async partition(pk: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) items.push(...(page.Items ?? []));
    return items;
  }

  async completePage(
    jobId: string,
    segment: number,
    page: number,
    result: PageResult,
  ): Promise<'recorded' | 'stale'> {
    const { counters } = result;
    const update = {
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
    };
    try {
      if (result.nextCursor === null) {
        // The segment's last page: its registry entry goes in the same write, so a crash between
        // writes can leave neither a finished segment entered nor an unfinished one without entry.
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              { Update: update },
              { Delete: { TableName: this.tableName, Key: runningSegmentKey(jobId, segment) } },
            ],
          }),
        );
      } else {
        await this.client.send(new UpdateCommand(update));
      }
      return 'recorded';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'stale';
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
      ) {
        return 'stale';
      }
      throw error;
    }
  }
}
