import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import { beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { RuleSetVersions } from '#app/active-rules.ts';
import type { CloudEvent } from '#app/cloud-event.ts';
import { recordDeposit } from '#app/deposit.ts';
import { type IngestDeps, ingestEvent } from '#app/ingest.ts';
import { makeJobWork } from '#app/job-work.ts';
import { JOB_SEGMENTS, runJobPage, startJob } from '#app/jobs.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import { BACKTEST_WALLETS_MAX, makeBacktestHandler } from '#handlers/backtest.ts';
import { problemErrors } from '#http/middleware.ts';
import type { HttpResult } from '#http/problem.ts';
import { expectProblem } from '../../support/api-request.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import { InMemoryJobQueue, InMemoryJobStore } from '../../support/in-memory-job-store.ts';
import { InMemoryRuleSetStore } from '../../support/in-memory-rule-set-store.ts';
import { inMemoryIngestDeps } from '../../support/ingest-deps.ts';
import { jobRouteCalls } from '../../support/job-routes.ts';
import { drainJobQueue } from '../../support/job-runs.ts';

const logger = new Logger({ serviceName: 'tally-test', logLevel: 'SILENT' });
const CONFIG: ThresholdConfig = { thresholdMinor: 1_000_000n, windowMs: 120_000, retainMax: 16 };
const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const TOKEN = 'backtest-s3cret';
const AUTHORIZED = { authorization: `Bearer ${TOKEN}` };
/** The seed rule at 300 instead of 250, and no trade rule. */
const CANDIDATE = 'event_type=="answer_is_liked", 300';

let store: InMemoryEventStore;
let ruleSetStore: InMemoryRuleSetStore;
let jobs: InMemoryJobStore;
/** Every job created. */
let createJob: MockInstance<InMemoryJobStore['create']>;
let queue: InMemoryJobQueue;
let nowMs: number;
let adminToken: string | undefined;
let deps: IngestDeps;

beforeEach(() => {
  store = new InMemoryEventStore({ pageSize: 3 });
  ruleSetStore = new InMemoryRuleSetStore();
  jobs = new InMemoryJobStore();
  createJob = vi.spyOn(jobs, 'create');
  queue = new InMemoryJobQueue();
  nowMs = T0;
  adminToken = TOKEN;
  deps = inMemoryIngestDeps(store, ruleSetStore, { nowMs: () => nowMs });
});

const ruleSets = () => new RuleSetVersions(ruleSetStore, sha256Hex);

const handler = middy(
  makeBacktestHandler(
    async () => ({
      stores: { events: store, jobs },
      ruleSets: ruleSets(),
      queue: () => queue,
      clock: deps.clock,
      ids: deps.ids,
    }),
    () => adminToken,
  ),
).use(problemErrors(logger));

const { post, getJob } = jobRouteCalls(handler, '/rules/backtest', AUTHORIZED);

const json = (response: HttpResult) => JSON.parse(response.body) as Record<string, unknown>;

const cloudEvent = (walletId: string, id: string, overrides: Partial<CloudEvent> = {}): CloudEvent => ({
  specversion: '1.0',
  id,
  source: 'qa-app',
  type: 'answer_is_liked',
  subject: walletId,
  time: '2026-11-22T09:00:00Z',
  data: { answerId: id },
  ...overrides,
});

async function ingest(event: CloudEvent): Promise<void> {
  nowMs += 1_000;
  expect((await ingestEvent(deps, event)).kind).toBe('recorded');
}

/**
 * w1: two likes (09:00, 11:00) and a 10-unit trade (10:00): 550 points under the shipped rules;
 * w2: one like (09:00): 250; w3: a deposit only.
 */
async function seed(): Promise<void> {
  await ingest(cloudEvent('w1', 'like-1'));
  await ingest(
    cloudEvent('w1', 'trade-1', { type: 'trade', data: { qty: 10 }, time: '2026-11-22T10:00:00Z' }),
  );
  await ingest(cloudEvent('w1', 'like-2', { time: '2026-11-22T11:00:00Z' }));
  await ingest(cloudEvent('w2', 'like-3'));
  nowMs += 1_000;
  const deposited = await recordDeposit(deps, {
    walletId: 'w3',
    amountMinor: 100n,
    respond: () => ({ statusCode: 201, body: '{}' }),
  });
  expect(deposited.kind).toBe('recorded');
}

async function publish(text: string): Promise<number> {
  const outcome = await ruleSetStore.publish({ text, textHash: sha256Hex(text), publishedAtMs: nowMs });
  if (outcome.kind !== 'published') throw new Error(`not published: ${outcome.kind}`);
  return outcome.ruleSet.version;
}

/** Runs every queued page as the jobs-queue runner would, until the queue is empty. */
async function runQueuedPages(): Promise<number> {
  const work = makeJobWork({
    events: store,
    readModels: store,
    ruleSets: ruleSets(),
    config: async () => CONFIG,
    hash: sha256Hex,
    clock: deps.clock,
    ids: deps.ids,
  });
  return drainJobQueue(queue, (message) =>
    runJobPage({ store, jobs, queue, clock: deps.clock, ids: deps.ids, work }, message),
  );
}

const pointsOf = (walletId: string) =>
  store
    .storedEvents(walletId)
    .reduce(
      (sum, event) =>
        sum +
        (event.type === 'PointsAwarded' || event.type === 'PointsAdjusted' ? Number(event.data.points) : 0),
      0,
    );

describe('POST /rules/backtest with walletIds: a dry run, answered at once', () => {
  beforeEach(seed);

  it('answers each wallet and the totals, exactly, and writes nothing', async () => {
    const count = store.eventCount();
    const response = await post({ rules: CANDIDATE, walletIds: ['w2', 'w1', 'w3', 'ghost', 'w1'] });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers).toEqual({ 'content-type': 'application/json' });
    expect(json(response)).toEqual({
      dryRun: true,
      ruleSet: { textHash: sha256Hex(CANDIDATE), version: null },
      from: null,
      to: null,
      wallets: [
        {
          walletId: 'w1',
          facts: 3,
          awardedPoints: 550,
          candidatePoints: 600,
          difference: 50,
          adjustmentsAppended: 0,
        },
        {
          walletId: 'w2',
          facts: 1,
          awardedPoints: 250,
          candidatePoints: 300,
          difference: 50,
          adjustmentsAppended: 0,
        },
        {
          walletId: 'w3',
          facts: 0,
          awardedPoints: 0,
          candidatePoints: 0,
          difference: 0,
          adjustmentsAppended: 0,
        },
      ],
      unknownWallets: ['ghost'],
      totals: {
        wallets: 3,
        facts: 4,
        walletsWithDifference: 2,
        awardedPoints: 800,
        candidatePoints: 900,
        difference: 100,
        adjustmentsAppended: 0,
      },
    });
    expect(store.eventCount()).toBe(count);
    expect(createJob).not.toHaveBeenCalled();
    expect(queue.sent).toEqual([]);
  });

  it('takes only the facts whose event time is in [from, to)', async () => {
    const response = await post({
      rules: CANDIDATE,
      walletIds: ['w1'],
      from: '2026-11-22T10:00:00Z',
      to: '2026-11-22T11:00:00Z',
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(json(response)).toMatchObject({
      from: '2026-11-22T10:00:00Z',
      to: '2026-11-22T11:00:00Z',
      // Only the trade: 50 points now, none under the candidate.
      wallets: [{ walletId: 'w1', facts: 1, awardedPoints: 50, candidatePoints: 0, difference: -50 }],
    });
  });

  it('backtests a published version: the version facts were decided with shows no difference', async () => {
    const response = await post({ ruleSetVersion: 0, walletIds: ['w1', 'w2'] });
    expect(response.statusCode, response.body).toBe(200);
    expect(json(response)).toMatchObject({
      dryRun: true,
      ruleSet: { version: 0 },
      totals: { wallets: 2, facts: 4, walletsWithDifference: 0, difference: 0, adjustmentsAppended: 0 },
    });
  });

  it('reports facts a candidate rule fails on, leaves them out of both sums, and still answers 200', async () => {
    const count = store.eventCount();
    const response = await post({ rules: 'data.qty >= 1, 5', walletIds: ['w1'] });
    expect(response.statusCode, response.body).toBe(200);
    const [line] = json(response).wallets as Record<string, unknown>[];
    expect(line).toMatchObject({
      walletId: 'w1',
      facts: 1,
      awardedPoints: 50,
      candidatePoints: 5,
      ruleErrors: 2,
      firstRuleError: expect.any(String),
    });
    expect(store.eventCount()).toBe(count);
  });
});

describe('POST /rules/backtest with apply: a published version, retroactively', () => {
  beforeEach(seed);

  it('appends the differences as adjustments, and applying it twice appends nothing', async () => {
    const version = await publish(CANDIDATE);
    const count = store.eventCount();
    const first = await post({ ruleSetVersion: version, apply: true, walletIds: ['w1', 'w2'] });
    expect(first.statusCode, first.body).toBe(200);
    // w1: each like moves 250 off the seed rule and 300 onto the candidate's (2 each), the trade's 50 goes; w2: 2.
    expect(json(first)).toEqual({
      dryRun: false,
      ruleSet: { textHash: sha256Hex(CANDIDATE), version },
      from: null,
      to: null,
      wallets: [
        {
          walletId: 'w1',
          facts: 3,
          awardedPoints: 550,
          candidatePoints: 600,
          difference: 50,
          adjustmentsAppended: 5,
        },
        {
          walletId: 'w2',
          facts: 1,
          awardedPoints: 250,
          candidatePoints: 300,
          difference: 50,
          adjustmentsAppended: 2,
        },
      ],
      unknownWallets: [],
      totals: {
        wallets: 2,
        facts: 4,
        walletsWithDifference: 2,
        awardedPoints: 800,
        candidatePoints: 900,
        difference: 100,
        adjustmentsAppended: 7,
      },
    });
    // The 7 adjustments, then one RulesApplied per wallet marking its facts as governed by the version.
    expect(store.eventCount()).toBe(count + 9);
    expect(pointsOf('w1')).toBe(600);
    expect(pointsOf('w2')).toBe(300);
    const appended = store.storedEvents('w1').slice(-6);
    expect(appended.map((event) => event.type)).toEqual([
      ...Array.from({ length: 5 }, () => 'PointsAdjusted'),
      'RulesApplied',
    ]);
    const marker = appended[5];
    if (marker?.type !== 'RulesApplied') throw new Error('no RulesApplied after the adjustments');
    const { causeId } = marker.data;
    expect(causeId).toMatch(/^backtest:/);
    for (const adjustment of appended.slice(0, 5)) {
      expect(adjustment).toMatchObject({
        lane: 0,
        data: { ruleSetVersion: version, cause: 'backtest', causeId },
      });
    }
    expect(appended[5]).toMatchObject({ lane: 0, data: { ruleSetVersion: version, causeId } });
    expect(await store.verify('w1')).toMatchObject({ ok: true });

    const second = await post({ ruleSetVersion: version, apply: true, walletIds: ['w1', 'w2'] });
    expect(second.statusCode).toBe(200);
    expect(json(second)).toMatchObject({
      totals: {
        awardedPoints: 900,
        candidatePoints: 900,
        difference: 0,
        walletsWithDifference: 0,
        adjustmentsAppended: 0,
      },
    });
    expect(store.eventCount()).toBe(count + 9);
  });
});

describe('POST /rules/backtest over every wallet: a job', () => {
  beforeEach(seed);

  it('answers 202 with the job and its Location, queues the first page of each segment, and reports progress', async () => {
    nowMs = T0 + 3_600_000;
    const count = store.eventCount();
    const response = await post({ rules: CANDIDATE });
    expect(response.statusCode, response.body).toBe(202);
    const started = json(response);
    const jobId = started.jobId as string;
    expect(started).toEqual({ jobId, kind: 'backtest', status: 'running', href: `/rules/backtest/${jobId}` });
    expect(response.headers).toEqual({
      'content-type': 'application/json',
      location: `/rules/backtest/${jobId}`,
    });
    expect(queue.sent).toEqual(
      Array.from({ length: JOB_SEGMENTS }, (_, segment) => ({
        jobId,
        segment,
        page: 0,
        cursor: null,
        kind: 'backtest',
        segments: JOB_SEGMENTS,
      })),
    );

    const running = await getJob(jobId);
    expect(running.statusCode, running.body).toBe(200);
    expect(json(running)).toEqual({
      jobId,
      kind: 'backtest',
      status: 'running',
      createdAt: '2026-11-22T11:00:00.000Z',
      finishedAt: null,
      params: {
        ruleSetVersion: null,
        rulesTextChars: CANDIDATE.length,
        from: null,
        to: null,
        apply: false,
        dryRun: true,
      },
      progress: { segments: JOB_SEGMENTS, segmentsDone: 0, fraction: 0 },
      totals: {
        wallets: 0,
        facts: 0,
        walletsWithDifference: 0,
        awardedPoints: 0,
        candidatePoints: 0,
        difference: 0,
        adjustmentsAppended: 0,
        ruleErrors: 0,
      },
      changes: [],
    });

    nowMs += 5_000;
    await runQueuedPages();
    const done = json(await getJob(jobId));
    expect(done).toMatchObject({
      jobId,
      status: 'done',
      finishedAt: '2026-11-22T11:00:05.000Z',
      progress: { segments: JOB_SEGMENTS, segmentsDone: JOB_SEGMENTS, fraction: 1 },
      totals: {
        wallets: 3,
        facts: 4,
        walletsWithDifference: 2,
        awardedPoints: 800,
        candidatePoints: 900,
        difference: 100,
        adjustmentsAppended: 0,
      },
    });
    expect(
      (done.changes as { walletId: string }[]).sort((a, b) => a.walletId.localeCompare(b.walletId)),
    ).toEqual([
      {
        walletId: 'w1',
        facts: 3,
        awardedPoints: 550,
        candidatePoints: 600,
        difference: 50,
        adjustmentsAppended: 0,
      },
      {
        walletId: 'w2',
        facts: 1,
        awardedPoints: 250,
        candidatePoints: 300,
        difference: 50,
        adjustmentsAppended: 0,
      },
    ]);
    // A dry run, however many pages.
    expect(store.eventCount()).toBe(count);
  });

  it('applies a published version to every wallet as a job; a second job appends nothing', async () => {
    const version = await publish(CANDIDATE);
    const first = await post({ ruleSetVersion: version, apply: true, from: '2026-11-22T00:00:00Z' });
    expect(first.statusCode, first.body).toBe(202);
    await runQueuedPages();
    const firstReport = json(await getJob(json(first).jobId as string));
    expect(firstReport).toMatchObject({
      status: 'done',
      params: {
        ruleSetVersion: version,
        rulesTextChars: null,
        from: '2026-11-22T00:00:00.000Z',
        to: null,
        apply: true,
        dryRun: false,
      },
      totals: { wallets: 3, adjustmentsAppended: 7, difference: 100 },
    });
    expect(pointsOf('w1') + pointsOf('w2')).toBe(900);
    // w3 has no facts: no adjustment and no RulesApplied for it.
    expect(store.storedEvents('w3').map((event) => event.type)).toEqual(['Deposited']);
    const count = store.eventCount();

    // The same application again (same version, same range).
    const second = await post({ ruleSetVersion: version, apply: true, from: '2026-11-22T00:00:00Z' });
    await runQueuedPages();
    expect(json(await getJob(json(second).jobId as string))).toMatchObject({
      status: 'done',
      totals: { wallets: 3, adjustmentsAppended: 0, difference: 0 },
      changes: [],
    });
    expect(store.eventCount()).toBe(count);
  });

  it('answers 404 problem+json for an unknown job and for a replay job asked for here', async () => {
    expectProblem(await getJob('no-such-job'), 404, '/problems/job-not-found');
    const replay = await startJob(
      { jobs, queue, clock: deps.clock, ids: deps.ids },
      { kind: 'replay', dryRun: true },
    );
    expectProblem(await getJob(replay.jobId), 404, '/problems/job-not-found');
  });
});

describe('POST /rules/backtest: refusals change nothing', () => {
  beforeEach(seed);

  const tooMany = Array.from({ length: BACKTEST_WALLETS_MAX + 1 }, (_, n) => `w${n}`);

  it.each<[string, unknown]>([
    ['malformed JSON', '{"rules": '],
    ['a JSON string', '"event_type==\\"x\\", 1"'],
    ['an unknown field', { rules: CANDIDATE, walletIds: ['w1'], dryRun: false }],
    ['neither rules nor ruleSetVersion', { walletIds: ['w1'] }],
    ['both rules and ruleSetVersion', { rules: CANDIDATE, ruleSetVersion: 0, walletIds: ['w1'] }],
    ['empty rules', { rules: '', walletIds: ['w1'] }],
    ['rules that are not text', { rules: 5, walletIds: ['w1'] }],
    ['a negative ruleSetVersion', { ruleSetVersion: -1, walletIds: ['w1'] }],
    ['a fractional ruleSetVersion', { ruleSetVersion: 1.5, walletIds: ['w1'] }],
    ['a ruleSetVersion as text', { ruleSetVersion: '1', walletIds: ['w1'] }],
    ['apply without a version', { rules: CANDIDATE, apply: true, walletIds: ['w1'] }],
    ['apply without a version, as a job', { rules: CANDIDATE, apply: true }],
    ['apply that is not a boolean', { ruleSetVersion: 0, apply: 'yes', walletIds: ['w1'] }],
    ['from equal to to', { rules: CANDIDATE, from: '2026-11-22T10:00:00Z', to: '2026-11-22T10:00:00Z' }],
    ['from after to', { rules: CANDIDATE, from: '2026-11-22T11:00:00Z', to: '2026-11-22T10:00:00+00:00' }],
    ['a from that is not a time', { rules: CANDIDATE, from: 'last week' }],
    ['a to that does not exist', { rules: CANDIDATE, to: '2026-13-01T00:00:00Z' }],
    [`${BACKTEST_WALLETS_MAX + 1} walletIds`, { rules: CANDIDATE, walletIds: tooMany }],
    ['an empty walletIds', { rules: CANDIDATE, walletIds: [] }],
    ['a bad wallet id', { rules: CANDIDATE, walletIds: ['w1', 'a b'] }],
    ['a walletIds that is not a list', { rules: CANDIDATE, walletIds: 'w1' }],
  ])('answers 400 problem+json for %s', async (_name, body) => {
    const count = store.eventCount();
    const problem = expectProblem(
      await post(body),
      400,
      typeof body === 'string' && body.startsWith('{')
        ? '/problems/malformed-json'
        : '/problems/invalid-request',
    );
    if (typeof body !== 'string')
      expect(problem.errors).toEqual(expect.arrayContaining([expect.any(Object)]));
    expect(store.eventCount()).toBe(count);
    expect(createJob).not.toHaveBeenCalled();
    expect(queue.sent).toEqual([]);
  });

  it('answers 400 for a missing body', async () => {
    expectProblem(await post(undefined), 400, '/problems/missing-body');
  });

  it('answers exactly 100 walletIds at once', async () => {
    const response = await post({ rules: CANDIDATE, walletIds: tooMany.slice(0, BACKTEST_WALLETS_MAX) });
    expect(response.statusCode, response.body).toBe(200);
    expect(json(response)).toMatchObject({ totals: { wallets: 3 } });
    expect((json(response).unknownWallets as string[]).length).toBe(BACKTEST_WALLETS_MAX - 3);
  });

  it("answers 422 invalid-rules with every error's line and column for rules that do not compile", async () => {
    const count = store.eventCount();
    for (const walletIds of [['w1'], undefined]) {
      const problem = expectProblem(
        await post({
          rules: '# candidate\nevent_type=="answer_is_liked" &&, 5\nevent_type ==, 1\n',
          ...(walletIds ? { walletIds } : {}),
        }),
        422,
        '/problems/invalid-rules',
      );
      const errors = problem.errors as { line: number; column: number; message: string }[];
      expect(errors.length).toBeGreaterThanOrEqual(2);
      expect(errors.map((error) => error.line)).toEqual(expect.arrayContaining([2, 3]));
      for (const error of errors) {
        expect(error).toEqual({
          line: expect.any(Number),
          column: expect.any(Number),
          message: expect.any(String),
        });
      }
    }
    expect(store.eventCount()).toBe(count);
    expect(createJob).not.toHaveBeenCalled();
  });

  it('answers 422 rule-set-not-found for a version never published, with or without walletIds', async () => {
    const count = store.eventCount();
    expectProblem(await post({ ruleSetVersion: 7, walletIds: ['w1'] }), 422, '/problems/rule-set-not-found');
    expectProblem(await post({ ruleSetVersion: 7, apply: true }), 422, '/problems/rule-set-not-found');
    expect(store.eventCount()).toBe(count);
    expect(createJob).not.toHaveBeenCalled();
  });
});

describe('/rules/backtest: admin authorization', () => {
  it('answers 401 without a token and 403 with another, on POST and GET, starting nothing', async () => {
    await seed();
    const job = await startJob(
      { jobs, queue, clock: deps.clock, ids: deps.ids },
      { kind: 'backtest', apply: false, ruleSetVersion: 0 },
    );
    const sent = queue.sent.length;
    const missing = await post({ rules: CANDIDATE }, {});
    expectProblem(missing, 401, '/problems/unauthorized');
    expect(missing.headers?.['www-authenticate']).toMatch(/^Bearer /);
    expectProblem(
      await post({ rules: CANDIDATE }, { authorization: 'Bearer wrong' }),
      403,
      '/problems/forbidden',
    );
    expectProblem(await getJob(job.jobId, {}), 401, '/problems/unauthorized');
    expectProblem(await getJob(job.jobId, { authorization: 'Bearer wrong' }), 403, '/problems/forbidden');
    expect(createJob).toHaveBeenCalledTimes(1);
    expect(queue.sent).toHaveLength(sent);
  });
});
