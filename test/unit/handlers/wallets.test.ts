import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { ActiveRuleSets } from '#app/active-rules.ts';
import type { CloudEvent } from '#app/cloud-event.ts';
import { type DepositDeps, recordDeposit } from '#app/deposit.ts';
import { HeadCache } from '#app/head-cache.ts';
import { type IngestDeps, ingestEvent } from '#app/ingest.ts';
import { projectWallet } from '#app/wallet-projection.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import { makeWalletsHandler } from '#handlers/wallets.ts';
import { problemErrors } from '#http/middleware.ts';
import { httpEvent, lambdaContext, problemOf } from '../../support/http.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import { InMemoryRuleSetStore } from '../../support/in-memory-rule-set-store.ts';
import { indexedAppend } from '../../support/indexed-append.ts';

const logger = new Logger({ serviceName: 'tally-test', logLevel: 'SILENT' });
const CONFIG: ThresholdConfig = { thresholdMinor: 1_000_000n, windowMs: 120_000, retainMax: 16 };
const T0 = Date.parse('2026-11-22T10:00:00.000Z');

let store: InMemoryEventStore;
let ruleSets: InMemoryRuleSetStore;
let nowMs: number;
let deps: IngestDeps;

beforeEach(() => {
  store = new InMemoryEventStore({ pageSize: 3 });
  ruleSets = new InMemoryRuleSetStore();
  nowMs = T0;
  const clock = { nowMs: () => nowMs };
  let ids = 0;
  deps = {
    store,
    clock,
    ids: { newId: () => `evt-${++ids}` },
    heads: new HeadCache(),
    rules: new ActiveRuleSets(ruleSets, clock, sha256Hex),
    hash: sha256Hex,
    canonicalJson,
  };
});

const handler = middy(
  makeWalletsHandler(async () => ({ stores: { events: store, readModels: store }, config: CONFIG })),
).use(problemErrors(logger));

/** As API Gateway sends it: the route key is the template, the raw path the actual one. */
function request(walletId: string | undefined, route: '' | '/points', query?: Record<string, string>) {
  const base = httpEvent({
    method: 'GET',
    path: `/wallets/${walletId}${route}`,
    ...(walletId === undefined ? {} : { pathParameters: { wallet_id: walletId } }),
  });
  const routeKey = `GET /wallets/{wallet_id}${route}`;
  const event: APIGatewayProxyEventV2 = {
    ...base,
    routeKey,
    requestContext: { ...base.requestContext, routeKey },
    ...(query === undefined ? {} : { queryStringParameters: query }),
  };
  return handler(event, lambdaContext);
}

const getWallet = (walletId: string | undefined) => request(walletId, '');
const getPoints = (walletId: string, query?: Record<string, string>) => request(walletId, '/points', query);

const cloudEvent = (id: string, overrides: Partial<CloudEvent> = {}): CloudEvent => ({
  specversion: '1.0',
  id,
  source: 'qa-app',
  type: 'answer_is_liked',
  subject: 'w1',
  time: '2026-11-22T09:59:00Z',
  data: { double: false },
  ...overrides,
});

async function ingest(event: CloudEvent, atMs: number): Promise<void> {
  nowMs = atMs;
  const outcome = await ingestEvent(deps, event);
  expect(outcome.kind).toBe('recorded');
}

async function deposit(walletId: string, amountMinor: bigint, atMs: number): Promise<void> {
  nowMs = atMs;
  const depositDeps: DepositDeps = deps;
  const outcome = await recordDeposit(depositDeps, {
    walletId,
    amountMinor,
    respond: () => ({ statusCode: 201, body: '{}' }),
  });
  expect(outcome.kind).toBe('recorded');
}

interface PointsPage {
  walletId: string;
  awards: {
    points: number;
    ruleId: string;
    ruleSetVersion: number;
    ruleTextHash: string;
    factId: string;
    factType: string | null;
    factSource: string | null;
    factTime: string | null;
    recordedAt: string;
    eventId: string;
    lane: number;
    version: number;
  }[];
  nextCursor: string | null;
}

async function pointsPage(walletId: string, query?: Record<string, string>): Promise<PointsPage> {
  const response = await getPoints(walletId, query);
  expect(response.statusCode, response.body).toBe(200);
  return JSON.parse(response.body) as PointsPage;
}

/** Appends a fact and its awards straight into a lane, as a writer that moved off lane 0 does. */
async function appendFact(lane: number, factId: string, awardPoints: bigint[], atMs: number): Promise<void> {
  const head = await store.head('w1', lane);
  const outcome = await indexedAppend(store, {
    walletId: 'w1',
    lane,
    expected: head,
    events: [
      {
        type: 'FactRecorded',
        data: { factId, source: 'lane-app', factType: 'bonus', occurredAtMs: atMs, dataJson: '{}' },
        eventId: `${factId}-fact`,
        recordedAtMs: atMs,
      },
      ...awardPoints.map((points, index) => ({
        type: 'PointsAwarded' as const,
        data: { points, factId, ruleId: `bonus-${index}`, ruleSetVersion: 3, ruleTextHash: 'ab'.repeat(32) },
        eventId: `${factId}-award-${index}`,
        recordedAtMs: atMs,
      })),
    ],
  });
  expect(outcome.kind).toBe('appended');
}

describe('GET /wallets/{wallet_id}', () => {
  it('answers the exact JSON after deposits (HTTP and bus) and awards', async () => {
    await deposit('w1', 800_000n, T0);
    await ingest(cloudEvent('like-1'), T0 + 1_000);
    await ingest(
      cloudEvent('dep-1', {
        type: 'wallet.deposit',
        data: { amount: '2000.01' },
        time: '2026-11-22T10:00:30Z',
      }),
      T0 + 2_000,
    );
    await ingest(cloudEvent('trade-1', { type: 'trade', data: { qty: 10 } }), T0 + 3_000);
    await ingest(cloudEvent('nothing-1', { type: 'question_asked' }), T0 + 4_500);

    const response = await getWallet('w1');
    expect(response.statusCode).toBe(200);
    expect(response.headers).toEqual({ 'content-type': 'application/json' });
    // 1 + 2 (fact, award) + 1 + 2 (fact, award) + 1 (fact) events; points 250 + 50.
    expect(response.body).toBe(
      '{"walletId":"w1","balance":10000.01,"points":300,"aboveThreshold":true,"version":7,"updatedAt":"2026-11-22T10:00:04.500Z",' +
        '"assets":{"money":{"balance":10000.01,"held":0,"available":10000.01},"points":{"balance":300,"held":0,"available":300}},' +
        // The window that set the flag: the deposit at T0 and the bus deposit at its own time, 10:00:30.
        '"breach":{"at":"2026-11-22T10:00:30.000Z","windowStart":"2026-11-22T09:58:30.000Z","sum":10000.01,"depositCount":2,' +
        '"deposits":[{"time":"2026-11-22T10:00:00.000Z","amount":8000,"lane":0,"version":1},' +
        '{"time":"2026-11-22T10:00:30.000Z","amount":2000.01,"lane":0,"version":4}]}}',
    );
  });

  it('is not above the threshold at exactly 10,000 and shows 0 points without awards', async () => {
    await deposit('w1', 800_000n, T0);
    await deposit('w1', 200_000n, T0 + 1);
    expect((await getWallet('w1')).body).toBe(
      '{"walletId":"w1","balance":10000,"points":0,"aboveThreshold":false,"version":2,"updatedAt":"2026-11-22T10:00:00.001Z",' +
        '"assets":{"money":{"balance":10000,"held":0,"available":10000},"points":{"balance":0,"held":0,"available":0}}}',
    );
  });

  it('adds events the projector has not applied yet to the stored view', async () => {
    await ingest(cloudEvent('like-1'), T0);
    await projectWallet(store, store, 'w1', CONFIG);
    await ingest(cloudEvent('like-2'), T0 + 1_000);
    await appendFact(2, 'lane-2-fact', [7n], T0 + 2_000);
    expect(JSON.parse((await getWallet('w1')).body)).toMatchObject({ points: 507, version: 6 });
  });

  it('answers 404 problem+json for a wallet without events', async () => {
    const response = await getWallet('nobody');
    expect(response.statusCode).toBe(404);
    expect(problemOf(response)).toMatchObject({ type: '/problems/wallet-not-found', status: 404 });
  });

  it('answers the wallet, not its points, for a wallet named "points"', async () => {
    await deposit('points', 100n, T0);
    const response = await getWallet('points');
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ walletId: 'points', balance: 1 });
  });

  it.each([['a b'], ['-w'], ['a'.repeat(129)]])('answers 400 invalid-wallet-id for %j', async (walletId) => {
    for (const response of [await getWallet(walletId), await getPoints(walletId)]) {
      expect(response.statusCode).toBe(400);
      expect(problemOf(response).type).toBe('/problems/invalid-wallet-id');
    }
  });

  it('answers 400 when the path parameter is missing', async () => {
    const response = await getWallet(undefined);
    expect(response.statusCode).toBe(400);
    expect(problemOf(response).type).toBe('/problems/invalid-wallet-id');
  });
});

describe('GET /wallets/{wallet_id}/points', () => {
  it('lists each award with what explains it', async () => {
    await ingest(cloudEvent('like-1', { time: '2026-11-22T09:30:00.125Z' }), T0 + 5_000);
    const page = await pointsPage('w1');
    const [award] = page.awards;
    expect(page.walletId).toBe('w1');
    expect(page.nextCursor).toBeNull();
    expect(page.awards).toHaveLength(1);
    expect(award).toEqual({
      points: 250,
      ruleId: expect.stringMatching(/^r-[0-9a-f]{10}$/),
      ruleSetVersion: 0,
      ruleTextHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      factId: 'like-1',
      factType: 'answer_is_liked',
      factSource: 'qa-app',
      factTime: '2026-11-22T09:30:00.125Z',
      recordedAt: '2026-11-22T10:00:05.000Z',
      eventId: expect.any(String),
      lane: 0,
      version: 2,
    });
    expect(award?.ruleId).toBe(`r-${award?.ruleTextHash.slice(0, 10)}`);
  });

  it('answers an empty page for a wallet with deposits only, and 404 for one without events', async () => {
    await deposit('w1', 100n, T0);
    expect(await pointsPage('w1')).toEqual({ walletId: 'w1', awards: [], nextCursor: null });
    const response = await getPoints('nobody');
    expect(response.statusCode).toBe(404);
    expect(problemOf(response).type).toBe('/problems/wallet-not-found');
  });

  it('walks every award exactly once with limit=1, across facts and lanes, never splitting a fact', async () => {
    await publish(
      'event_type=="answer_is_liked", 250\nevent_type=="answer_is_liked" && data.double == true, 1\n',
    );
    await ingest(cloudEvent('like-1'), T0);
    await deposit('w1', 100n, T0 + 1);
    await ingest(cloudEvent('like-2', { data: { double: true } }), T0 + 2);
    await ingest(cloudEvent('asked-1', { type: 'question_asked' }), T0 + 3);
    await ingest(cloudEvent('like-3'), T0 + 4);
    await appendFact(2, 'lane2-a', [10n], T0 + 5);
    await appendFact(2, 'lane2-b', [20n, 30n], T0 + 6);
    await appendFact(2, 'lane2-none', [], T0 + 7);
    await appendFact(2, 'lane2-c', [40n], T0 + 8);
    expect(await store.lanes('w1')).toEqual([0, 2]);

    const pages: PointsPage['awards'][] = [];
    let cursor: string | null = null;
    for (let request = 0; request < 20; request++) {
      const page: PointsPage = await pointsPage('w1', { limit: '1', ...(cursor === null ? {} : { cursor }) });
      pages.push(page.awards);
      cursor = page.nextCursor;
      if (cursor === null) break;
    }
    expect(cursor).toBeNull();
    const awards = pages.flat();
    const expected = [
      ['like-1', 250],
      ['like-2', 250],
      ['like-2', 1],
      ['like-3', 250],
      ['lane2-a', 10],
      ['lane2-b', 20],
      ['lane2-b', 30],
      ['lane2-c', 40],
    ];
    expect(awards.map((award) => [award.factId, award.points])).toEqual(expected);
    expect(new Set(awards.map((award) => award.eventId)).size).toBe(expected.length);
    // A page holds one fact's awards, whole: like-2's two awards and lane2-b's two come together.
    for (const page of pages) expect(new Set(page.map((award) => award.factId)).size).toBeLessThanOrEqual(1);
    expect(pages.find((page) => page.some((award) => award.factId === 'like-2'))).toHaveLength(2);
    expect(pages.find((page) => page.some((award) => award.factId === 'lane2-b'))).toHaveLength(2);
    // Every award carries its own fact's explanation.
    for (const award of awards) {
      expect(award.factType).toBe(award.factId.startsWith('lane2') ? 'bonus' : 'answer_is_liked');
      expect(award.factSource).toBe(award.factId.startsWith('lane2') ? 'lane-app' : 'qa-app');
      expect(award.factTime).not.toBeNull();
    }
    // The sum of the awards is the wallet's points.
    const wallet = JSON.parse((await getWallet('w1')).body) as { points: number };
    expect(awards.reduce((sum, award) => sum + award.points, 0)).toBe(wallet.points);
  });

  it('explains an adjustment by its fact, wherever the fact is (another lane, an earlier page)', async () => {
    await ingest(cloudEvent('like-1'), T0);
    await appendFact(2, 'lane2-a', [10n], T0 + 5);
    // A correction's compensation, appended in lane 0 (before lane 2 in the walk).
    const head = await store.head('w1', 0);
    const appended = await indexedAppend(store, {
      walletId: 'w1',
      lane: 0,
      expected: head,
      events: [
        {
          type: 'PointsAdjusted',
          data: {
            points: -10n,
            factId: 'lane2-a',
            ruleId: 'bonus-0',
            ruleSetVersion: 3,
            ruleTextHash: 'ab'.repeat(32),
            cause: 'correction',
            causeId: 'corr-1',
          },
          eventId: 'adj-1',
          recordedAtMs: T0 + 9,
        },
      ],
    });
    expect(appended.kind).toBe('appended');
    for (const query of [{}, { limit: '1' }] as Record<string, string>[]) {
      const awards: PointsPage['awards'] = [];
      let cursor: string | null = null;
      do {
        const page: PointsPage = await pointsPage('w1', { ...query, ...(cursor === null ? {} : { cursor }) });
        awards.push(...page.awards);
        cursor = page.nextCursor;
      } while (cursor !== null);
      const adjustment = awards.find((award) => award.eventId === 'adj-1');
      expect(adjustment).toMatchObject({
        points: -10,
        factId: 'lane2-a',
        factType: 'bonus',
        factSource: 'lane-app',
        factTime: new Date(T0 + 5).toISOString(),
        adjustment: { cause: 'correction', causeId: 'corr-1' },
      });
      expect(awards.map((award) => award.points)).toEqual([250, -10, 10]);
    }
  });

  it('gives the same awards in one page as in pages of 2', async () => {
    for (let index = 0; index < 7; index++) await ingest(cloudEvent(`like-${index}`), T0 + index);
    await appendFact(1, 'lane1-a', [5n, 6n], T0 + 10);
    const whole = await pointsPage('w1', { limit: '200' });
    expect(whole.nextCursor).toBeNull();
    const walked: PointsPage['awards'] = [];
    let cursor: string | null = null;
    for (let request = 0; request < 20; request++) {
      const page: PointsPage = await pointsPage('w1', { limit: '2', ...(cursor === null ? {} : { cursor }) });
      expect(page.awards.length).toBeGreaterThan(0);
      walked.push(...page.awards);
      cursor = page.nextCursor;
      if (cursor === null) break;
    }
    expect(walked).toEqual(whole.awards);
    expect(walked).toHaveLength(9);
  });

  it.each([['0'], ['201'], ['x'], ['1.5'], ['-1'], ['']])(
    'answers 400 invalid-limit for limit=%j',
    async (limit) => {
      await ingest(cloudEvent('like-1'), T0);
      const response = await getPoints('w1', { limit });
      expect(response.statusCode).toBe(400);
      expect(problemOf(response).type).toBe('/problems/invalid-limit');
    },
  );

  it.each([
    ['garbage', 'not-a-cursor!'],
    ['JSON of another shape', Buffer.from('{"page":2}').toString('base64url')],
    ['a version 0', Buffer.from('{"lane":0,"version":0}').toString('base64url')],
    ['a negative lane', Buffer.from('{"lane":-1,"version":1}').toString('base64url')],
  ])('answers 400 invalid-cursor for %s', async (_name, cursor) => {
    await ingest(cloudEvent('like-1'), T0);
    const response = await getPoints('w1', { cursor });
    expect(response.statusCode).toBe(400);
    expect(problemOf(response).type).toBe('/problems/invalid-cursor');
  });
});

async function publish(text: string): Promise<void> {
  const outcome = await ruleSets.publish({ text, textHash: sha256Hex(text), publishedAtMs: nowMs });
  expect(outcome.kind).toBe('published');
}
