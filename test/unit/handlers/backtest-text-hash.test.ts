import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import { beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { RuleSetVersions } from '#app/active-rules.ts';
import { type IngestDeps, ingestEvent } from '#app/ingest.ts';
import { makeBacktestHandler } from '#handlers/backtest.ts';
import { problemErrors } from '#http/middleware.ts';
import { apiRequest, expectProblem } from '../../support/api-request.ts';
import { lambdaContext } from '../../support/http.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import { InMemoryJobQueue, InMemoryJobStore } from '../../support/in-memory-job-store.ts';
import { InMemoryRuleSetStore } from '../../support/in-memory-rule-set-store.ts';
import { inMemoryIngestDeps } from '../../support/ingest-deps.ts';

/** `POST /rules/backtest` with apply and a `textHash`: only the version that is that text is applied. */

const logger = new Logger({ serviceName: 'tally-test', logLevel: 'SILENT' });
const CANDIDATE = 'event_type=="answer_is_liked", 300';
const OTHER = 'event_type=="answer_is_liked", 999';

let store: InMemoryEventStore;
let ruleSetStore: InMemoryRuleSetStore;
let jobs: InMemoryJobStore;
let createJob: MockInstance<InMemoryJobStore['create']>;
let queue: InMemoryJobQueue;
let deps: IngestDeps;
let version: number;

beforeEach(async () => {
  store = new InMemoryEventStore({ pageSize: 3 });
  ruleSetStore = new InMemoryRuleSetStore();
  jobs = new InMemoryJobStore();
  createJob = vi.spyOn(jobs, 'create');
  queue = new InMemoryJobQueue();
  let nowMs = Date.parse('2026-11-22T10:00:00.000Z');
  deps = inMemoryIngestDeps(store, ruleSetStore, { nowMs: () => (nowMs += 1_000) });
  const like = {
    specversion: '1.0',
    id: 'like-1',
    source: 'qa-app',
    type: 'answer_is_liked',
    subject: 'w1',
    time: '2026-11-22T09:00:00Z',
    data: { answerId: 'a1' },
  } as const;
  expect((await ingestEvent(deps, like)).kind).toBe('recorded');
  const outcome = await ruleSetStore.publish({
    text: CANDIDATE,
    textHash: sha256Hex(CANDIDATE),
    publishedAtMs: 1,
  });
  if (outcome.kind !== 'published') throw new Error('not published');
  version = outcome.ruleSet.version;
});

const handler = middy(
  makeBacktestHandler(
    async () => ({
      stores: { events: store, jobs },
      ruleSets: new RuleSetVersions(ruleSetStore, sha256Hex),
      queue: () => queue,
      clock: deps.clock,
      ids: deps.ids,
    }),
    () => undefined,
  ),
).use(problemErrors(logger));

const post = (body: unknown) =>
  handler(
    apiRequest({
      method: 'POST',
      route: '/rules/backtest',
      path: '/rules/backtest',
      body: JSON.stringify(body),
    }),
    lambdaContext,
  );

describe('POST /rules/backtest apply with textHash', () => {
  it.each([
    ['named wallets', { walletIds: ['w1'] }],
    ['every wallet (a job)', {}],
  ])(
    'answers 409 rule-set-text-mismatch for another text’s hash, applying nothing (%s)',
    async (_name, scope) => {
      const count = store.eventCount();
      const problem = expectProblem(
        await post({ ruleSetVersion: version, textHash: sha256Hex(OTHER), apply: true, ...scope }),
        409,
        '/problems/rule-set-text-mismatch',
      );
      expect(problem.detail).toContain(sha256Hex(CANDIDATE));
      expect(store.eventCount()).toBe(count);
      expect(createJob).not.toHaveBeenCalled();
      expect(queue.sent).toEqual([]);
    },
  );

  it('applies the version when the hash is its text', async () => {
    const count = store.eventCount();
    const response = await post({
      ruleSetVersion: version,
      textHash: sha256Hex(CANDIDATE),
      apply: true,
      walletIds: ['w1'],
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(store.eventCount()).toBeGreaterThan(count);
  });

  it.each([
    ['a hash that is not sha256 hex', { ruleSetVersion: 1, textHash: 'abc', walletIds: ['w1'] }],
    ['a hash without a version', { rules: CANDIDATE, textHash: sha256Hex(CANDIDATE), walletIds: ['w1'] }],
  ])('answers 400 invalid-request for %s', async (_name, body) => {
    expectProblem(await post(body), 400, '/problems/invalid-request');
  });
});
