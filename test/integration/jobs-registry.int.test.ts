import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordDeposit } from '#app/deposit.ts';
import { HeadCache } from '#app/head-cache.ts';
import { zeroCounters } from '#app/job-counters.ts';
import type { Job, PageResult } from '#ports/jobs.ts';
import { DynamoJobStore } from '../../functions/adapters/dynamodb/jobs.ts';
import {
  JOB_RETENTION_DAYS,
  toJobItem,
  toJobSegmentItem,
} from '../../functions/adapters/dynamodb/table-layout/job-items.ts';
import { TABLE } from '../../lib/wiring.ts';
import { type CountedStoreTable, countedStoreTable } from '../support/local.ts';

/**
 * Resuming jobs (DynamoJobStore.unfinishedSegments, run at every local start) against DynamoDB
 * Local: it reads the registry of unfinished segments and the jobs it names, not the table. A table
 * written before the registry existed is scanned once, its unfinished segments entered; never again.
 */

let table: CountedStoreTable;
let jobs: DynamoJobStore;
const CREATED_AT_MS = Date.parse('2026-12-07T06:00:00.000Z');
const job = (jobId: string): Job => ({
  jobId,
  params: { kind: 'replay', dryRun: true },
  segments: 3,
  createdAtMs: CREATED_AT_MS,
});
const lastPage: PageResult = {
  nextCursor: null,
  counters: zeroCounters(),
  changes: [],
  finishedAtMs: CREATED_AT_MS,
};
const unfinished = async () =>
  (await jobs.unfinishedSegments()).map(({ jobId, segment }) => `${jobId}/${segment.segment}`).sort();
/** The commands one call sends, by name. */
async function counted<T>(run: () => Promise<T>): Promise<{ result: T; scans: number; queries: number }> {
  const [scans, queries] = [table.sent('ScanCommand'), table.sent('QueryCommand')];
  const result = await run();
  return { result, scans: table.sent('ScanCommand') - scans, queries: table.sent('QueryCommand') - queries };
}

beforeAll(async () => {
  table = await countedStoreTable('tally-int-job-registry');
  jobs = new DynamoJobStore(table.documents, table.tableName);
  // Some wallets, so the table is more than the jobs.
  let ids = 0;
  const deps = {
    store: table.store,
    clock: { nowMs: () => CREATED_AT_MS },
    ids: { newId: () => `e-${++ids}` },
    heads: new HeadCache(),
  };
  for (let n = 0; n < 20; n++) {
    await recordDeposit(deps, {
      walletId: `reg-${n}`,
      amountMinor: 100n,
      respond: () => ({ statusCode: 201, body: '{}' }),
    });
  }
  // A job as the code before the registry wrote it: job and segments, no registry entries.
  const old = job('old-job');
  for (const Item of [toJobItem(old), ...[0, 1, 2].map((segment) => toJobSegmentItem(old, segment))]) {
    await table.documents.send(new PutCommand({ TableName: table.tableName, Item }));
  }
}, 60_000);

afterAll(async () => {
  await table?.drop();
});

describe('resuming jobs', () => {
  it('scans once on a table older than the registry, then finds unfinished segments without a Scan', async () => {
    await jobs.create(job('new-job'));
    await jobs.completePage('new-job', 0, 0, lastPage);

    const first = await counted(unfinished);
    expect(first.result).toEqual(['new-job/1', 'new-job/2', 'old-job/0', 'old-job/1', 'old-job/2']);
    expect(first.scans).toBe(1);

    // The old job's finished segment leaves the registry as a new job's does.
    await jobs.completePage('old-job', 1, 0, lastPage);
    const second = await counted(unfinished);
    expect(second.result).toEqual(['new-job/1', 'new-job/2', 'old-job/0', 'old-job/2']);
    expect(second.scans).toBe(0);
    // The registry, then each running job.
    expect(second.queries).toBe(3);

    // Every entry expires with its job (TTL needs a number).
    const registry = await table.documents.send(
      new QueryCommand({
        TableName: table.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'JOBS#RUNNING' },
      }),
    );
    const entries = (registry.Items ?? []).filter((item) => item.kind === 'running-segment');
    expect(entries).toHaveLength(4);
    expect(registry.Items?.map((item) => item.kind)).toContain('running-complete');
    const expiresAt = Math.floor(CREATED_AT_MS / 1000) + JOB_RETENTION_DAYS * 86_400;
    for (const item of entries) expect(Number(item[TABLE.timeToLiveAttribute])).toBe(expiresAt);
  });

  it('a page recorded twice leaves the registry as once; when every segment is done, one Query finds nothing', async () => {
    for (const [jobId, segment] of [
      ['new-job', 1],
      ['new-job', 2],
      ['old-job', 0],
      ['old-job', 2],
    ] as const) {
      expect(await jobs.completePage(jobId, segment, 0, lastPage)).toBe('recorded');
      expect(await jobs.completePage(jobId, segment, 0, lastPage)).toBe('stale');
    }
    const done = await counted(unfinished);
    expect(done).toEqual({ result: [], scans: 0, queries: 1 });

    // A job created now is found, still without a Scan.
    await jobs.create(job('later-job'));
    const later = await counted(unfinished);
    expect(later).toEqual({ result: ['later-job/0', 'later-job/1', 'later-job/2'], scans: 0, queries: 2 });
  });
});
