import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import { beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { recordDeposit } from '#app/deposit.ts';
import type { IngestDeps } from '#app/ingest.ts';
import { JOB_SEGMENTS, type JobDeps, runJobPage, startJob } from '#app/jobs.ts';
import { republishPage } from '#app/republish.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import { makeReplayHandler } from '#handlers/replay.ts';
import { problemErrors } from '#http/middleware.ts';
import type { HttpResult } from '#http/problem.ts';
import type { PublishedEvent } from '#ports/event-bus.ts';
import { expectProblem } from '../../support/api-request.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import { InMemoryJobQueue, InMemoryJobStore } from '../../support/in-memory-job-store.ts';
import { InMemoryRuleSetStore } from '../../support/in-memory-rule-set-store.ts';
import { InMemorySnapshotStore } from '../../support/in-memory-snapshot-store.ts';
import { inMemoryIngestDeps } from '../../support/ingest-deps.ts';
import { jobRouteCalls } from '../../support/job-routes.ts';
import { drainJobQueue } from '../../support/job-runs.ts';

const logger = new Logger({ serviceName: 'tally-test', logLevel: 'SILENT' });
const CONFIG: ThresholdConfig = { thresholdMinor: 1_000_000n, windowMs: 120_000, retainMax: 16 };
const T0 = Date.parse('2026-12-07T05:00:00.000Z');
const TOKEN = 'republish-s3cret';
const AUTHORIZED = { authorization: `Bearer ${TOKEN}` };

let store: InMemoryEventStore;
let jobs: InMemoryJobStore;
let createJob: MockInstance<InMemoryJobStore['create']>;
let queue: InMemoryJobQueue;
let nowMs: number;
let deps: IngestDeps;
let published: PublishedEvent[];

beforeEach(async () => {
  store = new InMemoryEventStore({ pageSize: 1 });
  jobs = new InMemoryJobStore();
  createJob = vi.spyOn(jobs, 'create');
  queue = new InMemoryJobQueue();
  nowMs = T0;
  published = [];
  deps = inMemoryIngestDeps(store, new InMemoryRuleSetStore(), { nowMs: () => nowMs });
  // Deposits at T0 + 1 s … T0 + 4 s, over two wallets.
  for (const walletId of ['w1', 'w2', 'w1', 'w2']) {
    nowMs += 1_000;
    const outcome = await recordDeposit(deps, {
      walletId,
      amountMinor: 100n,
      respond: () => ({ statusCode: 201, body: '{}' }),
    });
    expect(outcome.kind).toBe('recorded');
  }
  nowMs = T0 + 3_600_000;
});

const handler = middy(
  makeReplayHandler(
    async () => ({
      stores: { events: store, readModels: store, snapshots: new InMemorySnapshotStore(), jobs },
      config: CONFIG,
      queue: () => queue,
      clock: deps.clock,
      ids: deps.ids,
    }),
    () => TOKEN,
  ),
).use(problemErrors(logger));

const { post, getJob } = jobRouteCalls(handler, '/republish', AUTHORIZED);

const json = (response: HttpResult) => JSON.parse(response.body) as Record<string, unknown>;
const iso = (ms: number) => new Date(ms).toISOString();

const runnerDeps = (): JobDeps => ({
  store,
  jobs,
  queue,
  clock: deps.clock,
  ids: deps.ids,
  work: async () => undefined,
  republish: (params, page) =>
    republishPage(
      {
        events: store,
        bus: {
          publish: async (events) => {
            published.push(...events);
            return { failed: [] };
          },
        },
        source: 'tally/test',
      },
      params,
      page,
    ),
});

describe('POST /republish: a job over the events recorded in a window', () => {
  it('answers 202 with the job, then reports it done with the window counted', async () => {
    // [T0 + 2 s, T0 + 4 s): the second and third deposits.
    const response = await post({ from: iso(T0 + 2_000), to: iso(T0 + 4_000) });
    expect(response.statusCode, response.body).toBe(202);
    const jobId = json(response).jobId as string;
    expect(json(response)).toEqual({
      jobId,
      kind: 'republish',
      status: 'running',
      href: `/republish/${jobId}`,
    });
    expect(response.headers).toEqual({ 'content-type': 'application/json', location: `/republish/${jobId}` });
    expect(queue.sent).toHaveLength(JOB_SEGMENTS);
    expect(json(await getJob(jobId))).toMatchObject({
      kind: 'republish',
      status: 'running',
      params: { from: '2026-12-07T05:00:02.000Z', to: '2026-12-07T05:00:04.000Z' },
      totals: { scanned: 0, events: 0, published: 0, rejected: 0 },
    });

    const pageDeps = runnerDeps();
    await drainJobQueue(queue, (message) => runJobPage(pageDeps, message));
    expect(json(await getJob(jobId))).toMatchObject({
      status: 'done',
      progress: { segments: JOB_SEGMENTS, segmentsDone: JOB_SEGMENTS, fraction: 1 },
      totals: { scanned: 4, events: 2, published: 2, rejected: 0 },
      changes: [],
    });
    expect(published.map((event) => [event.subject, event.time])).toEqual(
      expect.arrayContaining([
        ['w2', '2026-12-07T05:00:02.000Z'],
        ['w1', '2026-12-07T05:00:03.000Z'],
      ]),
    );
    expect(published).toHaveLength(2);
  });

  it('takes a window of exactly seven days that ended now', async () => {
    const response = await post({ from: iso(nowMs - 7 * 86_400_000), to: iso(nowMs) });
    expect(response.statusCode, response.body).toBe(202);
  });
});

describe('POST /republish: refusals change nothing', () => {
  it.each<[string, unknown, number, string]>([
    ['malformed JSON', '{"from": ', 400, '/problems/malformed-json'],
    ['no body', undefined, 400, '/problems/invalid-request'],
    ['a JSON array', '[]', 400, '/problems/invalid-request'],
    ['an unknown field', { from: iso(T0), to: iso(T0 + 1), dryRun: true }, 400, '/problems/invalid-request'],
    ['no to', { from: iso(T0) }, 400, '/problems/invalid-request'],
    [
      'a time that is not RFC 3339',
      { from: '2026-12-07 05:00', to: iso(T0) },
      400,
      '/problems/invalid-request',
    ],
    ['a number for a time', { from: T0, to: T0 + 1 }, 400, '/problems/invalid-request'],
    ['a reversed window', { from: iso(T0 + 1_000), to: iso(T0) }, 400, '/problems/invalid-request'],
    ['an empty window', { from: iso(T0), to: iso(T0) }, 400, '/problems/invalid-request'],
    [
      'a window wider than seven days',
      { from: iso(T0 - 7 * 86_400_000 - 1), to: iso(T0) },
      400,
      '/problems/invalid-request',
    ],
    ['a window not over', { from: iso(T0), to: iso(T0 + 3_600_001) }, 422, '/problems/window-not-over'],
  ])('answers %s with a problem, and starts no job', async (_name, body, status, type) => {
    expectProblem(await post(body), status, type);
    expect(createJob).not.toHaveBeenCalled();
    expect(queue.sent).toEqual([]);
  });

  it('answers 404 for an unknown job and for a replay job asked for here', async () => {
    expectProblem(await getJob('no-such-job'), 404, '/problems/job-not-found');
    const replay = await startJob(
      { jobs, queue, clock: deps.clock, ids: deps.ids },
      { kind: 'replay', dryRun: true },
    );
    expectProblem(await getJob(replay.jobId), 404, '/problems/job-not-found');
  });

  it('answers 401 without the admin token and 403 with another, starting nothing', async () => {
    const window = { from: iso(T0), to: iso(T0 + 1_000) };
    expectProblem(await post(window, {}), 401, '/problems/unauthorized');
    expectProblem(await post(window, { authorization: 'Bearer wrong' }), 403, '/problems/forbidden');
    expect(createJob).not.toHaveBeenCalled();
    expect(queue.sent).toEqual([]);
  });
});
