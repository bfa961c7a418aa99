import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ActiveRuleSets, RuleSetVersions } from '#app/active-rules.ts';
import { recordDeposit } from '#app/deposit.ts';
import { HeadCache } from '#app/head-cache.ts';
import { type IngestDeps, ingestEvent } from '#app/ingest.ts';
import { makeJobWork } from '#app/job-work.ts';
import { JOB_SEGMENTS, type JobDeps, runJobPage, startJob } from '#app/jobs.ts';
import { projectWallet } from '#app/wallet-projection.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import { createDocumentClient } from '../../functions/adapters/dynamodb/client.ts';
import { canonicalJson, sha256Hex } from '../../functions/adapters/dynamodb/event-hash.ts';
import { DynamoEventStore } from '../../functions/adapters/dynamodb/event-store.ts';
import { DynamoJobStore } from '../../functions/adapters/dynamodb/jobs.ts';
import { DynamoReadModelStore } from '../../functions/adapters/dynamodb/read-models.ts';
import { DynamoRuleSetStore } from '../../functions/adapters/dynamodb/rule-sets.ts';
import { JOB_RETENTION_DAYS } from '../../functions/adapters/dynamodb/table-layout/job-items.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../functions/adapters/local/dynamodb-local.ts';
import { ensureTable } from '../../functions/local/table.ts';
import type { JobMessage } from '../../functions/ports/jobs.ts';
import { TABLE } from '../../lib/wiring.ts';
import { InMemoryJobQueue } from '../support/in-memory-job-store.ts';
import { drainJobQueue } from '../support/job-runs.ts';

/**
 * Jobs over every wallet against the real DynamoDB Local (one table for this file, deleted at the
 * end): the DynamoJobStore's conditional page records and the DynamoEventStore's parallel Scan of
 * wallet ids, driven page by page with runJobPage and an in-memory queue. Each wallet is counted
 * exactly once, including when a page is delivered twice (one after the other, or at once).
 */

const CONFIG: ThresholdConfig = { thresholdMinor: 1_000_000n, windowMs: 120_000, retainMax: 16 };
const WALLETS = 30;
/** Every third wallet has a like (250 points under the shipped rules) besides its deposit. */
const LIKED = Array.from({ length: WALLETS }, (_, n) => n).filter((n) => n % 3 === 0).length;

let raw: DynamoDBClient;
let documents: DynamoDBDocumentClient;
let events: DynamoEventStore;
let views: DynamoReadModelStore;
let jobs: DynamoJobStore;
let ruleSetStore: DynamoRuleSetStore;
let deps: IngestDeps;
const tableName = `tally-int-jobs-${randomUUID().slice(0, 8)}`;
const walletIds: string[] = [];
let clockMs = Date.parse('2026-11-22T10:00:00.000Z');
const clock = { nowMs: () => clockMs };

beforeAll(async () => {
  const endpoint = inject('dynamodbEndpoint');
  raw = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  await ensureTable(raw, tableName);
  documents = createDocumentClient({ endpoint, region: LOCAL_REGION });
  events = new DynamoEventStore(documents, tableName);
  views = new DynamoReadModelStore(documents, tableName);
  jobs = new DynamoJobStore(documents, tableName);
  ruleSetStore = new DynamoRuleSetStore(documents, tableName);
  let ids = 0;
  deps = {
    store: events,
    clock,
    ids: { newId: () => `evt-${++ids}` },
    heads: new HeadCache(),
    rules: new ActiveRuleSets(ruleSetStore, clock, sha256Hex),
    hash: sha256Hex,
    canonicalJson,
  };
  for (let n = 0; n < WALLETS; n++) {
    const walletId = `job-wallet-${String(n).padStart(2, '0')}`;
    walletIds.push(walletId);
    clockMs += 1_000;
    const deposited = await recordDeposit(deps, {
      walletId,
      amountMinor: BigInt(100 * (n + 1)),
      respond: () => ({ statusCode: 201, body: '{}' }),
    });
    expect(deposited.kind).toBe('recorded');
    if (n % 3 === 0) {
      const liked = await ingestEvent(deps, {
        specversion: '1.0',
        id: `like-${walletId}`,
        source: 'qa-app',
        type: 'answer_is_liked',
        subject: walletId,
      });
      expect(liked.kind).toBe('recorded');
    }
  }
  // Half the wallets have an up-to-date view; the others have none yet.
  for (const walletId of walletIds.filter((_, n) => n % 2 === 0)) {
    await projectWallet(events, views, walletId, CONFIG);
  }
}, 120_000);

afterAll(async () => {
  documents?.destroy();
  await raw?.send(new DeleteTableCommand({ TableName: tableName }));
  raw?.destroy();
});

function jobDeps(queue: InMemoryJobQueue, workedOn?: string[]): JobDeps {
  const work = makeJobWork({
    events,
    readModels: views,
    ruleSets: new RuleSetVersions(ruleSetStore, sha256Hex),
    config: async () => CONFIG,
    hash: sha256Hex,
    clock,
    ids: deps.ids,
  });
  return {
    store: events,
    jobs,
    queue,
    clock,
    ids: { newId: () => `job-${randomUUID()}` },
    work: async (params, walletId, jobId) => {
      workedOn?.push(walletId);
      return work(params, walletId, jobId);
    },
  };
}

const sortedCopy = (ids: readonly string[]) => [...ids].sort();

describe('walletIds: the parallel Scan of wallet ids', () => {
  it.each([1, 3, JOB_SEGMENTS])(
    'partitions the wallets over %i segment(s): each wallet exactly once',
    async (segments) => {
      const seen: string[] = [];
      const perSegment: number[] = [];
      for (let segment = 0; segment < segments; segment++) {
        let cursor: string | null = null;
        let count = 0;
        for (let page = 0; page < 100; page++) {
          const result: { walletIds: string[]; nextCursor: string | null } = await events.walletIds({
            segment,
            segments,
            cursor,
          });
          seen.push(...result.walletIds);
          count += result.walletIds.length;
          cursor = result.nextCursor;
          if (cursor === null) break;
        }
        expect(cursor).toBeNull();
        perSegment.push(count);
      }
      // Views, idempotency records, awards, jobs and rule sets in the same table are not wallets.
      expect(sortedCopy(seen)).toEqual(walletIds);
      expect(perSegment.reduce((sum, count) => sum + count, 0)).toBe(WALLETS);
      if (segments === JOB_SEGMENTS) {
        // 30 wallets over 8 segments: the Scan really splits them.
        expect(perSegment.filter((count) => count > 0).length).toBeGreaterThan(1);
      }
    },
  );
});

describe('a replay job over every wallet, run page by page', () => {
  it('counts each wallet once, writes the missing views, and is done when every segment is', async () => {
    const queue = new InMemoryJobQueue();
    const workedOn: string[] = [];
    const pageDeps = jobDeps(queue, workedOn);
    const job = await startJob(pageDeps, { kind: 'replay', dryRun: false });
    expect(queue.pending.length).toBe(JOB_SEGMENTS);

    const outcomes = new Map<string, number>();
    await drainJobQueue(queue, async (message) => {
      const outcome = await runJobPage(pageDeps, message);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    });

    expect(sortedCopy(workedOn)).toEqual(walletIds);
    const state = await jobs.get(job.jobId);
    expect(state?.segments).toHaveLength(JOB_SEGMENTS);
    expect(state?.segments.every((segment) => segment.done && segment.cursor === null)).toBe(true);
    const totals = state?.segments.reduce(
      (sum, segment) => ({
        wallets: sum.wallets + segment.counters.wallets,
        events: sum.events + segment.counters.events,
        changed: sum.changed + segment.counters.changed,
        written: sum.written + segment.counters.written,
      }),
      { wallets: 0, events: 0, changed: 0, written: 0 },
    );
    // One deposit each, and a like (fact + award) on every third.
    expect(totals).toEqual({
      wallets: WALLETS,
      events: WALLETS + 2 * LIKED,
      changed: WALLETS / 2,
      written: WALLETS / 2,
    });
    expect(outcomes.get('done')).toBe(state?.segments.reduce((sum, segment) => sum + segment.page, 0));
    for (const walletId of walletIds) expect(await views.getView(walletId)).toBeDefined();

    // The job's items (its report) carry the table's TTL attribute: deleted 30 days after the start.
    const items = await documents.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `JOB#${job.jobId}` },
      }),
    );
    expect(items.Items).toHaveLength(1 + JOB_SEGMENTS);
    const expiresAt = Math.floor(job.createdAtMs / 1000) + JOB_RETENTION_DAYS * 86_400;
    for (const item of items.Items ?? []) expect(Number(item[TABLE.timeToLiveAttribute])).toBe(expiresAt);
  });

  it('counts each wallet once when one page is delivered twice, after itself and at the same time', async () => {
    const queue = new InMemoryJobQueue();
    const workedOn: string[] = [];
    const pageDeps = jobDeps(queue, workedOn);
    const job = await startJob(pageDeps, { kind: 'replay', dryRun: true });

    const first = queue.take() as JobMessage;
    const second = queue.take() as JobMessage;
    // The first page comes twice, one delivery after the other.
    expect(await runJobPage(pageDeps, first)).toBe('done');
    expect(await runJobPage(pageDeps, first)).toBe('duplicate');
    // Another comes twice at once (two runners): both may do the work, only one records it.
    const concurrent = await Promise.all([runJobPage(pageDeps, second), runJobPage(pageDeps, second)]);
    expect(sortedCopy(concurrent)).toEqual(['done', 'duplicate']);
    await drainJobQueue(queue, (message) => runJobPage(pageDeps, message));
    // And a late redelivery of the first page after the job is done changes nothing.
    expect(await runJobPage(pageDeps, first)).toBe('duplicate');
    await drainJobQueue(queue, (message) => runJobPage(pageDeps, message));

    const state = await jobs.get(job.jobId);
    const wallets = state?.segments.reduce((sum, segment) => sum + segment.counters.wallets, 0);
    expect(wallets).toBe(WALLETS);
    expect(state?.segments.every((segment) => segment.done)).toBe(true);
    // Every wallet was worked on; the concurrent twin's wallets at most twice, never counted twice.
    expect(new Set(workedOn)).toEqual(new Set(walletIds));
    // The views were already right after the first job: a dry run finds nothing to change.
    expect(state?.segments.reduce((sum, segment) => sum + segment.counters.changed, 0)).toBe(0);
  });

  it('refuses to record a page twice: completePage is stale for a page the segment has passed', async () => {
    const queue = new InMemoryJobQueue();
    const job = await startJob(jobDeps(queue), { kind: 'replay', dryRun: true });
    const result = {
      nextCursor: '{"pk":"x"}',
      counters: {
        wallets: 2,
        events: 3,
        changed: 1,
        written: 0,
        facts: 0,
        walletsWithDifference: 0,
        awardedPoints: 0n,
        candidatePoints: 0n,
        adjustmentsAppended: 0,
        ruleErrors: 2,
        scanned: 0,
        published: 0,
        rejected: 0,
      },
      changes: [{ walletId: 'w' }],
      finishedAtMs: clockMs,
    };
    expect(await jobs.completePage(job.jobId, 0, 0, result)).toBe('recorded');
    expect(await jobs.completePage(job.jobId, 0, 0, result)).toBe('stale');
    expect(await jobs.completePage(job.jobId, 0, 2, result)).toBe('stale');
    const segment = (await jobs.get(job.jobId))?.segments[0];
    expect(segment).toMatchObject({
      segment: 0,
      page: 1,
      cursor: '{"pk":"x"}',
      done: false,
      finishedAtMs: clockMs,
      changes: [{ walletId: 'w' }],
      counters: { wallets: 2, events: 3, changed: 1, ruleErrors: 2 },
    });
    expect(await jobs.get('no-such-job')).toBeUndefined();
  });
});

describe('a backtest job over every wallet', () => {
  it('sums exact point counters in DynamoDB and applies a published version once', async () => {
    const text = 'event_type=="answer_is_liked", 300';
    const published = await ruleSetStore.publish({ text, textHash: sha256Hex(text), publishedAtMs: clockMs });
    expect(published.kind).toBe('published');
    const version = published.kind === 'published' ? published.ruleSet.version : -1;

    const runBacktest = async (apply: boolean) => {
      const queue = new InMemoryJobQueue();
      const pageDeps = jobDeps(queue);
      const job = await startJob(pageDeps, { kind: 'backtest', ruleSetVersion: version, apply });
      await drainJobQueue(queue, (message) => runJobPage(pageDeps, message));
      const state = await jobs.get(job.jobId);
      expect(state?.segments.every((segment) => segment.done)).toBe(true);
      return state?.segments.reduce(
        (sum, segment) => ({
          wallets: sum.wallets + segment.counters.wallets,
          facts: sum.facts + segment.counters.facts,
          awardedPoints: sum.awardedPoints + segment.counters.awardedPoints,
          candidatePoints: sum.candidatePoints + segment.counters.candidatePoints,
          adjustmentsAppended: sum.adjustmentsAppended + segment.counters.adjustmentsAppended,
        }),
        { wallets: 0, facts: 0, awardedPoints: 0n, candidatePoints: 0n, adjustmentsAppended: 0 },
      );
    };

    expect(await runBacktest(false)).toEqual({
      wallets: WALLETS,
      facts: LIKED,
      awardedPoints: 250n * BigInt(LIKED),
      candidatePoints: 300n * BigInt(LIKED),
      adjustmentsAppended: 0,
    });
    // The seed rule's 250 taken back and the candidate's 300 given: two adjustments per liked fact.
    expect(await runBacktest(true)).toMatchObject({ wallets: WALLETS, adjustmentsAppended: 2 * LIKED });
    expect(await runBacktest(true)).toEqual({
      wallets: WALLETS,
      facts: LIKED,
      awardedPoints: 300n * BigInt(LIKED),
      candidatePoints: 300n * BigInt(LIKED),
      adjustmentsAppended: 0,
    });
    expect(await events.verify(walletIds[0] as string)).toMatchObject({ ok: true });
  });
});

describe('a table larger than one Scan page per segment', () => {
  /**
   * Filler items (not wallets, ~350 KB each) make each segment read more than DynamoDB's 1 MB per
   * Scan page, so segments take several pages: the cursor (LastEvaluatedKey as JSON) goes through
   * the job store and the queue, and each wallet is still counted once.
   */
  const bigTable = `tally-int-jobs-big-${randomUUID().slice(0, 8)}`;
  const bigWallets: string[] = [];
  let bigEvents: DynamoEventStore;
  let bigJobs: DynamoJobStore;

  beforeAll(async () => {
    await ensureTable(raw, bigTable);
    bigEvents = new DynamoEventStore(documents, bigTable);
    bigJobs = new DynamoJobStore(documents, bigTable);
    const filler = 'x'.repeat(350_000);
    for (let n = 0; n < 40; n++) {
      await documents.send(
        new PutCommand({ TableName: bigTable, Item: { pk: `FILLER#${n}`, sk: 'FILLER', filler } }),
      );
    }
    const bigDeps = { ...deps, store: bigEvents, heads: new HeadCache() };
    for (let n = 0; n < 24; n++) {
      const walletId = `big-wallet-${String(n).padStart(2, '0')}`;
      bigWallets.push(walletId);
      const deposited = await recordDeposit(bigDeps, {
        walletId,
        amountMinor: 100n,
        respond: () => ({ statusCode: 201, body: '{}' }),
      });
      expect(deposited.kind).toBe('recorded');
    }
  }, 120_000);

  afterAll(async () => {
    await raw?.send(new DeleteTableCommand({ TableName: bigTable }));
  });

  it('pages each segment with a cursor, and the pages of all segments list each wallet once', async () => {
    for (const segments of [1, JOB_SEGMENTS]) {
      const seen: string[] = [];
      let pages = 0;
      for (let segment = 0; segment < segments; segment++) {
        let cursor: string | null = null;
        for (let page = 0; page < 100; page++) {
          const result: { walletIds: string[]; nextCursor: string | null } = await bigEvents.walletIds({
            segment,
            segments,
            cursor,
          });
          pages++;
          seen.push(...result.walletIds);
          cursor = result.nextCursor;
          if (cursor === null) break;
        }
        expect(cursor).toBeNull();
      }
      expect(sortedCopy(seen)).toEqual(bigWallets);
      // 14 MB of filler: more pages than segments.
      expect(pages).toBeGreaterThan(segments);
    }
  });

  it('runs a replay job over several pages per segment, each page once even when delivered twice', async () => {
    const queue = new InMemoryJobQueue();
    const workedOn: string[] = [];
    const work = makeJobWork({
      events: bigEvents,
      readModels: new DynamoReadModelStore(documents, bigTable),
      ruleSets: new RuleSetVersions(new DynamoRuleSetStore(documents, bigTable), sha256Hex),
      config: async () => CONFIG,
      hash: sha256Hex,
      clock,
      ids: deps.ids,
    });
    const pageDeps: JobDeps = {
      store: bigEvents,
      jobs: bigJobs,
      queue,
      clock,
      ids: { newId: () => `job-${randomUUID()}` },
      work: async (params, walletId, jobId) => {
        workedOn.push(walletId);
        return work(params, walletId, jobId);
      },
    };
    const job = await startJob(pageDeps, { kind: 'replay', dryRun: false });
    const delivered: JobMessage[] = [];
    await drainJobQueue(queue, async (message) => {
      delivered.push(message);
      await runJobPage(pageDeps, message);
      // Every page comes twice.
      await runJobPage(pageDeps, message);
    });

    // Some segment needed more than one page, so a cursor went round.
    expect(delivered.some((message) => message.page > 0 && message.cursor !== null)).toBe(true);
    expect(sortedCopy(workedOn)).toEqual(bigWallets);
    const state = await bigJobs.get(job.jobId);
    expect(state?.segments.every((segment) => segment.done)).toBe(true);
    expect(state?.segments.reduce((sum, segment) => sum + segment.counters.wallets, 0)).toBe(
      bigWallets.length,
    );
    expect(state?.segments.reduce((sum, segment) => sum + segment.counters.written, 0)).toBe(
      bigWallets.length,
    );
  });
});
