import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { beforeAll, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { RuleSetVersions } from '#app/active-rules.ts';
import type { CloudEvent } from '#app/cloud-event.ts';
import { recordDeposit } from '#app/deposit.ts';
import { type IngestDeps, ingestEvent } from '#app/ingest.ts';
import { makeJobWork } from '#app/job-work.ts';
import { JOB_SEGMENTS, type JobDeps, PageNotReady, runJobPage, startJob } from '#app/jobs.ts';
import { projectWallet } from '#app/wallet-projection.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import { rebuildView } from '#domain/wallet-view.ts';
import { makeReplayHandler } from '#handlers/replay.ts';
import { makeRunJobsHandler } from '#handlers/run-jobs.ts';
import { problemErrors } from '#http/middleware.ts';
import type { HttpResult } from '#http/problem.ts';
import { logger as handlerLogger } from '#observability/powertools.ts';
import type { JobMessage } from '#ports/jobs.ts';
import { apiRequest, expectProblem } from '../../support/api-request.ts';
import { lambdaContext } from '../../support/http.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import { InMemoryJobQueue, InMemoryJobStore } from '../../support/in-memory-job-store.ts';
import { InMemoryRuleSetStore } from '../../support/in-memory-rule-set-store.ts';
import { InMemorySnapshotStore } from '../../support/in-memory-snapshot-store.ts';
import { inMemoryIngestDeps } from '../../support/ingest-deps.ts';
import { jobRouteCalls } from '../../support/job-routes.ts';
import { drainJobQueue, loseMessage } from '../../support/job-runs.ts';

const logger = new Logger({ serviceName: 'tally-test', logLevel: 'SILENT' });
const CONFIG: ThresholdConfig = { thresholdMinor: 1_000_000n, windowMs: 120_000, retainMax: 16 };
const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const TOKEN = 'replay-s3cret';
const AUTHORIZED = { authorization: `Bearer ${TOKEN}` };

let store: InMemoryEventStore;
let snapshots: InMemorySnapshotStore;
let ruleSetStore: InMemoryRuleSetStore;
let jobs: InMemoryJobStore;
/** Every job created. */
let createJob: MockInstance<InMemoryJobStore['create']>;
let queue: InMemoryJobQueue;
let nowMs: number;
let adminToken: string | undefined;
let deps: IngestDeps;

beforeAll(() => {
  // The runner logs a line per page; the tests read its answers instead.
  handlerLogger.setLogLevel('SILENT');
});

beforeEach(() => {
  // One wallet per Scan page: segments with several wallets take several pages.
  store = new InMemoryEventStore({ pageSize: 1 });
  snapshots = new InMemorySnapshotStore();
  ruleSetStore = new InMemoryRuleSetStore();
  jobs = new InMemoryJobStore();
  createJob = vi.spyOn(jobs, 'create');
  queue = new InMemoryJobQueue();
  nowMs = T0;
  adminToken = TOKEN;
  deps = inMemoryIngestDeps(store, ruleSetStore, { nowMs: () => nowMs });
});

const handler = middy(
  makeReplayHandler(
    async () => ({
      stores: { events: store, readModels: store, snapshots, jobs },
      config: CONFIG,
      queue: () => queue,
      clock: deps.clock,
      ids: deps.ids,
    }),
    () => adminToken,
  ),
).use(problemErrors(logger));

const { post, getJob } = jobRouteCalls(handler, '/replay', AUTHORIZED);

const json = (response: HttpResult) => JSON.parse(response.body) as Record<string, unknown>;

async function deposit(walletId: string, amountMinor: bigint): Promise<void> {
  nowMs += 1_000;
  const outcome = await recordDeposit(deps, {
    walletId,
    amountMinor,
    respond: () => ({ statusCode: 201, body: '{}' }),
  });
  expect(outcome.kind).toBe('recorded');
}

async function like(walletId: string, id: string): Promise<void> {
  nowMs += 1_000;
  const event: CloudEvent = {
    specversion: '1.0',
    id,
    source: 'qa-app',
    type: 'answer_is_liked',
    subject: walletId,
  };
  expect((await ingestEvent(deps, event)).kind).toBe('recorded');
}

const jobDeps = (): JobDeps => ({
  store,
  jobs,
  queue,
  clock: deps.clock,
  ids: deps.ids,
  work: makeJobWork({
    events: store,
    readModels: store,
    ruleSets: new RuleSetVersions(ruleSetStore, sha256Hex),
    config: async () => CONFIG,
    hash: sha256Hex,
    clock: deps.clock,
    ids: deps.ids,
  }),
});

/** Runs every queued page as the jobs-queue runner would, until the queue is empty. */
const runQueuedPages = () => {
  const pageDeps = jobDeps();
  return drainJobQueue(queue, (message) => runJobPage(pageDeps, message));
};

/** w1: 8,000 then 3,000 (flag on), its view projected; w2: a like (250 points); w3: 0.10; no views for w2, w3. */
async function seed(): Promise<void> {
  await deposit('w1', 800_000n);
  await deposit('w1', 300_000n);
  await like('w2', 'like-1');
  await deposit('w3', 10n);
  await projectWallet(store, store, 'w1', CONFIG);
}

describe('POST /replay with a walletId: at once', () => {
  beforeEach(seed);

  it('answers the rebuild exactly, writing a missing view, and changes nothing the second time', async () => {
    const count = store.eventCount();
    const response = await post({ walletId: 'w2' });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers).toEqual({ 'content-type': 'application/json' });
    expect(json(response)).toEqual({
      dryRun: false,
      walletId: 'w2',
      events: 2,
      changed: true,
      written: true,
      before: null,
      after: { balance: 0, points: 250, aboveThreshold: false, version: 2 },
      fromVersion: null,
      fromSnapshot: 0,
    });
    expect(await store.getView('w2')).toMatchObject({ points: 250n, eventCount: 2 });
    const again = await post({ walletId: 'w2' });
    expect(json(again)).toMatchObject({
      changed: false,
      written: false,
      before: { balance: 0, points: 250, aboveThreshold: false, version: 2 },
    });
    // A replay reads the log and writes views, never events.
    expect(store.eventCount()).toBe(count);
  });

  it('shows the fix on a dry run and writes nothing', async () => {
    const response = await post({ walletId: 'w3', dryRun: true });
    expect(json(response)).toMatchObject({
      dryRun: true,
      changed: true,
      written: false,
      after: { balance: 0.1, version: 1 },
    });
    expect(await store.getView('w3')).toBeUndefined();
  });

  it('starts from the newest snapshot below fromVersion and ends where a rebuild from zero does', async () => {
    await deposit('w1', 100n);
    const events = store.storedEvents('w1');
    await snapshots.put(rebuildView('w1', events.slice(0, 2), CONFIG));
    const fromSnapshot = json(await post({ walletId: 'w1', fromVersion: 3, dryRun: true }));
    const fromZero = json(await post({ walletId: 'w1', dryRun: true }));
    expect(fromSnapshot).toMatchObject({ fromVersion: 3, fromSnapshot: 2 });
    expect(fromSnapshot.after).toEqual(fromZero.after);
    expect(fromSnapshot.after).toEqual({ balance: 11001, points: 0, aboveThreshold: true, version: 3 });
  });
});

describe('POST /replay without a walletId: a job', () => {
  beforeEach(seed);

  it('answers 202 with the job, reports it running, then done with each wallet counted once', async () => {
    nowMs = T0 + 3_600_000;
    const count = store.eventCount();
    const response = await post({});
    expect(response.statusCode, response.body).toBe(202);
    const jobId = json(response).jobId as string;
    expect(json(response)).toEqual({ jobId, kind: 'replay', status: 'running', href: `/replay/${jobId}` });
    expect(response.headers).toEqual({ 'content-type': 'application/json', location: `/replay/${jobId}` });
    expect(queue.sent).toEqual(
      Array.from({ length: JOB_SEGMENTS }, (_, segment) => ({
        jobId,
        segment,
        page: 0,
        cursor: null,
        kind: 'replay',
        segments: JOB_SEGMENTS,
      })),
    );

    const running = await getJob(jobId);
    expect(running.statusCode, running.body).toBe(200);
    expect(json(running)).toEqual({
      jobId,
      kind: 'replay',
      status: 'running',
      createdAt: '2026-11-22T11:00:00.000Z',
      finishedAt: null,
      params: { dryRun: false },
      progress: { segments: JOB_SEGMENTS, segmentsDone: 0, fraction: 0 },
      totals: { wallets: 0, events: 0, changed: 0, written: 0 },
      changes: [],
    });

    nowMs += 2_000;
    await runQueuedPages();
    const done = json(await getJob(jobId));
    expect(done).toMatchObject({
      status: 'done',
      finishedAt: '2026-11-22T11:00:02.000Z',
      progress: { segments: JOB_SEGMENTS, segmentsDone: JOB_SEGMENTS, fraction: 1 },
      totals: { wallets: 3, events: 5, changed: 2, written: 2 },
    });
    expect(
      (done.changes as { walletId: string }[]).sort((a, b) => a.walletId.localeCompare(b.walletId)),
    ).toEqual([
      {
        walletId: 'w2',
        events: 2,
        changed: true,
        written: true,
        before: null,
        after: { balance: 0, points: 250, aboveThreshold: false, version: 2 },
      },
      {
        walletId: 'w3',
        events: 1,
        changed: true,
        written: true,
        before: null,
        after: { balance: 0.1, points: 0, aboveThreshold: false, version: 1 },
      },
    ]);
    expect(store.eventCount()).toBe(count);

    // Every view now equals the fold of its log: a dry-run job finds nothing to change.
    const check = await post({ dryRun: true });
    await runQueuedPages();
    expect(json(await getJob(json(check).jobId as string))).toMatchObject({
      status: 'done',
      params: { dryRun: true },
      totals: { wallets: 3, events: 5, changed: 0, written: 0 },
      changes: [],
    });
  });

  it('starts a job for a POST with no body at all', async () => {
    const response = await post(undefined);
    expect(response.statusCode, response.body).toBe(202);
    expect(json(response)).toMatchObject({ kind: 'replay', status: 'running' });
  });

  it('counts each wallet once when pages are delivered twice, and redelivery re-queues a lost next page', async () => {
    for (let n = 0; n < 20; n++) await deposit(`bulk-${n}`, 100n);
    const job = await startJob(
      { jobs, queue, clock: deps.clock, ids: deps.ids },
      { kind: 'replay', dryRun: true },
    );
    const pageDeps = jobDeps();
    const outcomes: string[] = [];
    const pages = new Set<string>();
    let lostOne = false;
    await drainJobQueue(queue, async (message) => {
      pages.add(`${message.segment}:${message.page}`);
      outcomes.push(await runJobPage(pageDeps, message));
      // The first next page queued is lost in transit; only the redelivery below can bring it back.
      if (!lostOne) {
        lostOne =
          loseMessage(
            queue,
            (candidate) => candidate.segment === message.segment && candidate.page === message.page + 1,
          ) !== undefined;
      }
      // At-least-once delivery: every page comes again.
      outcomes.push(await runJobPage(pageDeps, message));
    });
    expect(lostOne).toBe(true);
    // Each page did its work once, however often it came.
    expect(outcomes.filter((outcome) => outcome === 'done')).toHaveLength(pages.size);
    expect(outcomes.filter((outcome) => outcome !== 'done' && outcome !== 'duplicate')).toEqual([]);
    const report = json(await getJob(job.jobId));
    expect(report).toMatchObject({
      status: 'done',
      totals: { wallets: 23, changed: 22, written: 0 },
      progress: { segmentsDone: JOB_SEGMENTS },
    });
  });

  it('refuses a page that comes before the page it continues (PageNotReady), and ignores an unknown job', async () => {
    const job = await startJob(
      { jobs, queue, clock: deps.clock, ids: deps.ids },
      { kind: 'replay', dryRun: true },
    );
    await expect(
      runJobPage(jobDeps(), { jobId: job.jobId, segment: 0, page: 1, cursor: '1' }),
    ).rejects.toBeInstanceOf(PageNotReady);
    expect(await runJobPage(jobDeps(), { jobId: 'gone', segment: 0, page: 0, cursor: null })).toBe(
      'not-found',
    );
    expect(
      await runJobPage(jobDeps(), { jobId: job.jobId, segment: JOB_SEGMENTS, page: 0, cursor: null }),
    ).toBe('not-found');
  });
});

describe('the run-jobs handler (jobs-queue consumer)', () => {
  beforeEach(seed);

  const record = (body: string, messageId: string): SQSRecord => ({
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(T0),
      SenderId: 'test',
      ApproximateFirstReceiveTimestamp: String(T0),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:tally-jobs',
    awsRegion: 'us-east-1',
  });
  const sqsEvent = (...records: SQSRecord[]): SQSEvent => ({ Records: records });
  const runJobs = makeRunJobsHandler(jobDeps);

  it('runs pages, fails only the records it cannot take (retried by SQS), and counts a twice-delivered page once', async () => {
    const job = await startJob(
      { jobs, queue, clock: deps.clock, ids: deps.ids },
      { kind: 'replay', dryRun: false },
    );
    const firstPages: JobMessage[] = [];
    for (let message = queue.take(); message !== undefined; message = queue.take()) firstPages.push(message);

    const [first, ...rest] = firstPages.map((message, index) =>
      record(JSON.stringify(message), `m-${index}`),
    );
    if (first === undefined) throw new Error('no pages');
    const notReady = record(
      JSON.stringify({ jobId: job.jobId, segment: 1, page: 5, cursor: 'x' }),
      'not-ready',
    );
    const response = await runJobs(
      sqsEvent(first, record('{not json', 'garbage'), record('{"jobId":"x"}', 'not-a-page'), notReady, {
        ...first,
        messageId: 'm-0-again',
      }),
      lambdaContext,
    );
    expect(response).toEqual({
      batchItemFailures: [
        { itemIdentifier: 'garbage' },
        { itemIdentifier: 'not-a-page' },
        { itemIdentifier: 'not-ready' },
      ],
    });
    // The rest, each delivered twice in one batch.
    const again = await runJobs(
      sqsEvent(...rest, ...rest.map((r) => ({ ...r, messageId: `${r.messageId}-again` }))),
      lambdaContext,
    );
    expect(again).toEqual({ batchItemFailures: [] });
    // Pages the first pages queued.
    await drainJobQueue(queue, async (message) => {
      expect(await runJobs(sqsEvent(record(JSON.stringify(message), 'next')), lambdaContext)).toEqual({
        batchItemFailures: [],
      });
    });
    expect(json(await getJob(job.jobId))).toMatchObject({
      status: 'done',
      totals: { wallets: 3, events: 5, changed: 2, written: 2 },
    });
  });
});

describe('POST /replay: refusals change nothing', () => {
  beforeEach(seed);

  it.each<[string, unknown, number, string]>([
    ['malformed JSON', '{"walletId": ', 400, '/problems/malformed-json'],
    ['a JSON array', '[]', 400, '/problems/invalid-request'],
    ['an unknown field', { walletId: 'w1', extra: 1 }, 400, '/problems/invalid-request'],
    ['an unknown field without a wallet', { all: true }, 400, '/problems/invalid-request'],
    ['a walletId that is not text', { walletId: 5 }, 400, '/problems/invalid-request'],
    ['a bad walletId', { walletId: 'a b' }, 400, '/problems/invalid-wallet-id'],
    ['an empty walletId', { walletId: '' }, 400, '/problems/invalid-wallet-id'],
    ['dryRun that is not a boolean', { walletId: 'w1', dryRun: 'yes' }, 400, '/problems/invalid-request'],
    ['fromVersion 0', { walletId: 'w1', fromVersion: 0 }, 400, '/problems/invalid-request'],
    ['a fractional fromVersion', { walletId: 'w1', fromVersion: 1.5 }, 400, '/problems/invalid-request'],
    ['fromVersion without a walletId', { fromVersion: 2 }, 422, '/problems/from-version-needs-wallet'],
    ['an unknown wallet', { walletId: 'never-seen' }, 404, '/problems/wallet-not-found'],
  ])(
    'answers %s with a problem, and neither writes a view nor starts a job',
    async (_name, body, status, type) => {
      const count = store.eventCount();
      expectProblem(await post(body), status, type);
      expect(store.eventCount()).toBe(count);
      expect(await store.getView('w2')).toBeUndefined();
      expect(createJob).not.toHaveBeenCalled();
      expect(queue.sent).toEqual([]);
    },
  );

  it('reads no threshold for a job report (only a one-wallet replay folds a view)', async () => {
    const config = vi.fn(async () => CONFIG);
    const reports = middy(
      makeReplayHandler(
        async () => ({
          stores: { events: store, readModels: store, snapshots, jobs },
          config,
          queue: () => queue,
          clock: deps.clock,
          ids: deps.ids,
        }),
        () => adminToken,
      ),
    ).use(problemErrors(logger));
    const asked = apiRequest({
      method: 'GET',
      route: '/replay/{jobId}',
      path: '/replay/no-such-job',
      pathParameters: { jobId: 'no-such-job' },
      headers: AUTHORIZED,
    });
    expectProblem(await reports(asked, lambdaContext), 404, '/problems/job-not-found');
    expect(config).not.toHaveBeenCalled();
  });

  it('answers 404 problem+json for an unknown job and for a backtest job asked for here', async () => {
    expectProblem(await getJob('no-such-job'), 404, '/problems/job-not-found');
    const backtest = await startJob(
      { jobs, queue, clock: deps.clock, ids: deps.ids },
      { kind: 'backtest', apply: false, ruleSetVersion: 0 },
    );
    expectProblem(await getJob(backtest.jobId), 404, '/problems/job-not-found');
  });
});

describe('/replay: admin authorization', () => {
  it('answers 401 without a token and 403 with another, on POST and GET, starting nothing', async () => {
    await seed();
    const job = await startJob(
      { jobs, queue, clock: deps.clock, ids: deps.ids },
      { kind: 'replay', dryRun: true },
    );
    const sent = queue.sent.length;
    const missing = await post({}, {});
    expectProblem(missing, 401, '/problems/unauthorized');
    expect(missing.headers?.['www-authenticate']).toMatch(/^Bearer /);
    expectProblem(
      await post({ walletId: 'w2' }, { authorization: 'Bearer wrong' }),
      403,
      '/problems/forbidden',
    );
    expectProblem(await getJob(job.jobId, {}), 401, '/problems/unauthorized');
    expectProblem(await getJob(job.jobId, { authorization: 'Bearer wrong' }), 403, '/problems/forbidden');
    expect(createJob).toHaveBeenCalledTimes(1);
    expect(queue.sent).toHaveLength(sent);
    expect(await store.getView('w2')).toBeUndefined();
  });
});
