import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { RuleSetVersions } from '#app/active-rules.ts';
import { backtestWallet } from '#app/backtest.ts';
import type { CloudEvent } from '#app/cloud-event.ts';
import { type CorrectionInput, correctEvent } from '#app/corrections.ts';
import { recordDeposit } from '#app/deposit.ts';
import { holdAction } from '#app/holds.ts';
import { type IngestDeps, ingestEvent } from '#app/ingest.ts';
import { backtestLine } from '#app/job-work.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import { makeWalletsHandler } from '#handlers/wallets.ts';
import { problemErrors } from '#http/middleware.ts';
import { apiRequest, expectProblem } from '../../support/api-request.ts';
import { lambdaContext } from '../../support/http.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import { InMemoryRuleSetStore } from '../../support/in-memory-rule-set-store.ts';
import { inMemoryIngestDeps } from '../../support/ingest-deps.ts';

const logger = new Logger({ serviceName: 'tally-test', logLevel: 'SILENT' });
const CONFIG: ThresholdConfig = { thresholdMinor: 1_000_000n, windowMs: 120_000, retainMax: 16 };
const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

let store: InMemoryEventStore;
let ruleSetStore: InMemoryRuleSetStore;
let nowMs: number;
let deps: IngestDeps;

beforeEach(() => {
  store = new InMemoryEventStore({ pageSize: 3 });
  ruleSetStore = new InMemoryRuleSetStore();
  nowMs = T0;
  deps = inMemoryIngestDeps(store, ruleSetStore, { nowMs: () => nowMs });
});

const handler = middy(
  makeWalletsHandler(async () => ({ stores: { events: store, readModels: store }, config: CONFIG })),
).use(problemErrors(logger));

function get(
  walletId: string,
  route: '' | '/events' | '/points' | '/verify',
  query?: Record<string, string>,
) {
  return handler(
    apiRequest({
      method: 'GET',
      route: `/wallets/{wallet_id}${route}`,
      path: `/wallets/${walletId}${route}`,
      pathParameters: { wallet_id: walletId },
      ...(query === undefined ? {} : { query }),
    }),
    lambdaContext,
  );
}

interface AuditEvent {
  eventId: string;
  type: string;
  lane: number;
  version: number;
  recordedAt: string;
  idempotencyKey?: string;
  data: Record<string, unknown>;
  correctedBy?: string[];
}
interface AuditPage {
  walletId: string;
  events: AuditEvent[];
  nextCursor: string | null;
}

async function auditPage(walletId: string, query?: Record<string, string>): Promise<AuditPage> {
  const response = await get(walletId, '/events', query);
  expect(response.statusCode, response.body).toBe(200);
  expect(response.headers).toEqual({ 'content-type': 'application/json' });
  return JSON.parse(response.body) as AuditPage;
}

async function deposit(amountMinor: bigint, atMs: number, key?: string): Promise<void> {
  nowMs = atMs;
  const outcome = await recordDeposit(deps, {
    walletId: 'w1',
    amountMinor,
    ...(key === undefined ? {} : { idempotency: { key, payloadHash: `hash-of-${key}` } }),
    respond: () => ({ statusCode: 201, body: '{}' }),
  });
  expect(outcome.kind).toBe('recorded');
}

const cloudEvent = (id: string, overrides: Partial<CloudEvent> = {}): CloudEvent => ({
  specversion: '1.0',
  id,
  source: 'qa-app',
  type: 'answer_is_liked',
  subject: 'w1',
  time: '2026-11-22T09:59:00Z',
  data: { answerId: 'a1' },
  ...overrides,
});

async function ingest(event: CloudEvent, atMs: number): Promise<void> {
  nowMs = atMs;
  expect((await ingestEvent(deps, event)).kind).toBe('recorded');
}

async function correct(input: Omit<CorrectionInput, 'walletId'>, atMs: number) {
  nowMs = atMs;
  return correctEvent(
    {
      store,
      ruleSets: new RuleSetVersions(ruleSetStore, sha256Hex),
      activeVersion: async () => 0,
      clock: deps.clock,
      ids: deps.ids,
    },
    { walletId: 'w1', ...input },
  );
}

/**
 * v1 a keyed deposit of 8,000 (voided at v5), v2 a deposit of 3,000, v3-v4 a trade of 10 units and
 * its 50 points (amended to 20 units at v6, +50 points at v7).
 */
async function correctedWallet(): Promise<void> {
  await deposit(800_000n, T0, 'dep-a');
  await deposit(300_000n, T0 + 30_000);
  await ingest(cloudEvent('trade-1', { type: 'trade', data: { qty: 10 } }), T0 + 60_000);
  expect(
    (await correct({ reference: 'dep-a', action: 'void', reason: 'test deposit' }, T0 + 90_000)).kind,
  ).toBe('recorded');
  const amended = await correct(
    {
      reference: 'trade-1',
      action: 'amend',
      reason: 'it was 20 units',
      amend: { dataJson: '{"qty":20}', occurredAtMs: Date.parse('2026-11-22T09:58:00Z') },
    },
    T0 + 120_000,
  );
  expect(amended.kind).toBe('recorded');
}

describe('GET /wallets/{wallet_id}/events: the audit trail', () => {
  it('lists every event, oldest first, originals next to their corrections and compensations', async () => {
    await correctedWallet();
    const page = await auditPage('w1');
    expect(page).toEqual({
      walletId: 'w1',
      nextCursor: null,
      events: [
        {
          eventId: 'id-1',
          type: 'Deposited',
          lane: 0,
          version: 1,
          recordedAt: iso(T0),
          idempotencyKey: 'dep-a',
          data: { amount: '8000', time: iso(T0) },
          correctedBy: ['id-4'],
        },
        {
          eventId: 'id-2',
          type: 'Deposited',
          lane: 0,
          version: 2,
          recordedAt: iso(T0 + 30_000),
          data: { amount: '3000', time: iso(T0 + 30_000) },
        },
        {
          eventId: 'id-3',
          type: 'FactRecorded',
          lane: 0,
          version: 3,
          recordedAt: iso(T0 + 60_000),
          idempotencyKey: 'trade-1',
          // The fact as it came in: the original data, untouched by the amendment.
          data: {
            factId: 'trade-1',
            source: 'qa-app',
            factType: 'trade',
            time: '2026-11-22T09:59:00.000Z',
            data: { qty: 10 },
            ruleSetVersion: 0,
          },
          correctedBy: ['id-5'],
        },
        {
          eventId: 'id-3-1',
          type: 'PointsAwarded',
          lane: 0,
          version: 4,
          recordedAt: iso(T0 + 60_000),
          idempotencyKey: 'trade-1',
          data: {
            points: 50,
            factId: 'trade-1',
            ruleId: 'trade-volume',
            ruleSetVersion: 0,
            ruleTextHash: expect.stringMatching(/^[0-9a-f]{64}$/),
          },
        },
        {
          eventId: 'id-4',
          type: 'EventCorrected',
          lane: 0,
          version: 5,
          recordedAt: iso(T0 + 90_000),
          data: {
            target: { eventId: 'id-1', lane: 0, version: 1, type: 'Deposited' },
            action: 'void',
            reason: 'test deposit',
          },
        },
        {
          eventId: 'id-5',
          type: 'EventCorrected',
          lane: 0,
          version: 6,
          recordedAt: iso(T0 + 120_000),
          data: {
            target: { eventId: 'id-3', lane: 0, version: 3, type: 'FactRecorded' },
            action: 'amend',
            reason: 'it was 20 units',
            fact: { time: '2026-11-22T09:58:00.000Z', data: { qty: 20 } },
          },
        },
        {
          eventId: 'id-6',
          type: 'PointsAdjusted',
          lane: 0,
          version: 7,
          recordedAt: iso(T0 + 120_000),
          data: {
            points: 50,
            factId: 'trade-1',
            ruleId: 'trade-volume',
            ruleSetVersion: 0,
            ruleTextHash: expect.stringMatching(/^[0-9a-f]{64}$/),
            cause: 'correction',
            causeId: 'id-5',
          },
        },
      ],
    });
    // The wallet the trail explains: 3,000 left, 100 points, 7 events.
    expect(JSON.parse((await get('w1', '')).body)).toMatchObject({ balance: 3000, points: 100, version: 7 });
    expect(JSON.parse((await get('w1', '/verify')).body)).toEqual({
      walletId: 'w1',
      ok: true,
      lanes: 1,
      events: 7,
    });
  });

  it("shows an amended deposit's corrected amount and time on the correction", async () => {
    await deposit(800_000n, T0, 'dep-a');
    await correct(
      { reference: 'dep-a', action: 'amend', reason: 'typo', amend: { amountMinor: 8_050n } },
      T0 + 1_000,
    );
    const page = await auditPage('w1');
    expect(page.events[0]).toMatchObject({ data: { amount: '8000' }, correctedBy: ['id-2'] });
    expect(page.events[1]?.data).toEqual({
      target: { eventId: 'id-1', lane: 0, version: 1, type: 'Deposited' },
      action: 'amend',
      reason: 'typo',
      deposit: { amount: '80.5', time: iso(T0) },
    });
  });

  it('lists every correction of an event in correctedBy, in order', async () => {
    await deposit(800_000n, T0, 'dep-a');
    await correct(
      { reference: 'dep-a', action: 'amend', reason: 'one', amend: { amountMinor: 100n } },
      T0 + 1,
    );
    await correct(
      { reference: 'dep-a', action: 'amend', reason: 'two', amend: { amountMinor: 200n } },
      T0 + 2,
    );
    await correct({ reference: 'dep-a', action: 'void', reason: 'three' }, T0 + 3);
    const page = await auditPage('w1');
    expect(page.events[0]?.correctedBy).toEqual(['id-2', 'id-3', 'id-4']);
    expect(page.events.slice(1).every((event) => event.correctedBy === undefined)).toBe(true);
  });

  it('shows a deposit from the bus with its CloudEvent id', async () => {
    await ingest(
      cloudEvent('bus-1', { type: 'wallet.deposit', data: { amount: '12.5' }, time: '2026-11-22T09:00:00Z' }),
      T0,
    );
    const page = await auditPage('w1');
    expect(page.events).toEqual([
      {
        eventId: 'id-1',
        type: 'Deposited',
        lane: 0,
        version: 1,
        recordedAt: iso(T0),
        idempotencyKey: 'bus-1',
        data: { amount: '12.5', time: '2026-11-22T09:00:00.000Z', factId: 'bus-1' },
      },
    ]);
  });

  it('walks every event exactly once in pages, lane by lane, and the pages equal the whole', async () => {
    await correctedWallet();
    // A writer that lost races to lane 0 moved to lane 2.
    const head = await store.head('w1', 2);
    await store.append({
      walletId: 'w1',
      lane: 2,
      expected: head,
      events: [1, 2].map((n) => ({
        type: 'Deposited' as const,
        data: { amountMinor: 100n * BigInt(n), occurredAtMs: T0 + n },
        eventId: `lane2-${n}`,
        recordedAtMs: T0 + n,
      })),
    });
    const whole = await auditPage('w1', { limit: '200' });
    expect(whole.events.map((event) => `${event.lane}:${event.version}`)).toEqual([
      '0:1',
      '0:2',
      '0:3',
      '0:4',
      '0:5',
      '0:6',
      '0:7',
      '2:1',
      '2:2',
    ]);
    for (const limit of [1, 2, 4]) {
      const walked: AuditEvent[] = [];
      let cursor: string | null = null;
      for (let request = 0; request < 20; request++) {
        const page: AuditPage = await auditPage('w1', {
          limit: String(limit),
          ...(cursor === null ? {} : { cursor }),
        });
        expect(page.events.length).toBeLessThanOrEqual(limit);
        expect(page.events.length).toBeGreaterThan(0);
        walked.push(...page.events);
        cursor = page.nextCursor;
        if (cursor === null) break;
      }
      expect(cursor).toBeNull();
      expect(walked).toEqual(whole.events);
    }
  });

  it('gives 50 events a page by default', async () => {
    for (let n = 0; n < 51; n++) await deposit(100n, T0 + n);
    const first = await auditPage('w1');
    expect(first.events).toHaveLength(50);
    expect(first.nextCursor).not.toBeNull();
    const second = await auditPage('w1', { cursor: first.nextCursor as string });
    expect(second.events.map((event) => event.version)).toEqual([51]);
    expect(second.nextCursor).toBeNull();
  });

  it('answers 404 problem+json for a wallet without events, 400 for a bad wallet id', async () => {
    expectProblem(await get('nobody', '/events'), 404, '/problems/wallet-not-found');
    expectProblem(await get('a b', '/events'), 400, '/problems/invalid-wallet-id');
  });

  it.each([['0'], ['201'], ['x'], ['1.5'], ['-1'], ['']])(
    'answers 400 invalid-limit for limit=%j',
    async (limit) => {
      await deposit(100n, T0);
      expectProblem(await get('w1', '/events', { limit }), 400, '/problems/invalid-limit');
    },
  );

  it.each([
    ['garbage', 'not-a-cursor!'],
    ['JSON of another shape', Buffer.from('{"page":2}').toString('base64url')],
    ['a version 0', Buffer.from('{"lane":0,"version":0}').toString('base64url')],
    ['a lane past the last', Buffer.from('{"lane":100,"version":1}').toString('base64url')],
  ])('answers 400 invalid-cursor for %s', async (_name, cursor) => {
    await deposit(100n, T0);
    expectProblem(await get('w1', '/events', { cursor }), 400, '/problems/invalid-cursor');
  });
});

interface PointsEntry {
  points: number;
  factId: string;
  ruleId: string;
  ruleSetVersion: number;
  eventId: string;
  lane: number;
  version: number;
  adjustment?: { cause: string; causeId: string };
}
interface PointsPage {
  walletId: string;
  awards: PointsEntry[];
  nextCursor: string | null;
}

async function pointsPage(query?: Record<string, string>): Promise<PointsPage> {
  const response = await get('w1', '/points', query);
  expect(response.statusCode, response.body).toBe(200);
  return JSON.parse(response.body) as PointsPage;
}

describe('GET /wallets/{wallet_id}/points: adjustments', () => {
  it("lists a correction's compensation with its cause after the award it corrects", async () => {
    await correctedWallet();
    const page = await pointsPage();
    expect(page.nextCursor).toBeNull();
    expect(page.awards).toEqual([
      expect.objectContaining({
        points: 50,
        factId: 'trade-1',
        ruleId: 'trade-volume',
        eventId: 'id-3-1',
        version: 4,
      }),
      expect.objectContaining({
        points: 50,
        factId: 'trade-1',
        ruleId: 'trade-volume',
        ruleSetVersion: 0,
        eventId: 'id-6',
        lane: 0,
        version: 7,
        adjustment: { cause: 'correction', causeId: 'id-5' },
      }),
    ]);
    expect(page.awards[0]?.adjustment).toBeUndefined();
    const wallet = JSON.parse((await get('w1', '')).body) as { points: number };
    expect(page.awards.reduce((sum, entry) => sum + entry.points, 0)).toBe(wallet.points);
  });

  it('lists a negative compensation for a voided fact', async () => {
    await ingest(cloudEvent('like-1'), T0);
    await correct({ reference: 'like-1', action: 'void', reason: 'spam' }, T0 + 1);
    const page = await pointsPage();
    expect(page.awards.map((entry) => [entry.points, entry.adjustment?.cause ?? null])).toEqual([
      [250, null],
      [-250, 'correction'],
    ]);
  });

  it('reports the wallet whose retroactive adjustments the floor refused, and appends none of them', async () => {
    for (let n = 1; n <= 3; n++) await ingest(cloudEvent(`like-${n}`), T0 + n);
    // 750 points, 700 of them held: the candidate's 10 a like would take back 720 of 50 available.
    const placed = await holdAction(
      { store, clock: deps.clock, ids: deps.ids },
      {
        walletId: 'w1',
        idempotency: { key: 'hold-1', payloadHash: 'h1' },
        respond: () => ({ statusCode: 201, body: '{}' }),
      },
      { kind: 'place', asset: 'points', amount: 700n, expiresInMs: 3_600_000 },
    );
    expect(placed.kind).toBe('recorded');
    const text = 'event_type=="answer_is_liked", 10';
    await ruleSetStore.publish({ text, textHash: sha256Hex(text), publishedAtMs: T0 });
    const ruleSet = await new RuleSetVersions(ruleSetStore, sha256Hex).get(1);
    if (ruleSet === undefined) throw new Error('rule set 1 not stored');
    const before = store.storedEvents('w1').length;
    const applied = await backtestWallet(
      store,
      'w1',
      { ruleSet, version: 1 },
      {},
      { apply: true, causeId: 'backtest:job-2', clock: deps.clock, ids: deps.ids },
    );
    expect(applied?.applyRefused).toMatch(/^correction_below_floor: /);
    expect(applied?.adjustmentsAppended).toBe(0);
    expect(applied?.difference).toBe(-720n);
    expect(store.storedEvents('w1')).toHaveLength(before);
    expect(backtestLine(applied as NonNullable<typeof applied>)).toMatchObject({
      walletId: 'w1',
      applyRefused: applied?.applyRefused,
    });
  });

  it("walks awards and a retroactive rule set's adjustments with limit=1, each once, at most one fact's awards a page", async () => {
    for (let n = 1; n <= 3; n++) await ingest(cloudEvent(`like-${n}`), T0 + n);
    const text = 'event_type=="answer_is_liked", 300';
    await ruleSetStore.publish({ text, textHash: sha256Hex(text), publishedAtMs: T0 });
    const ruleSet = await new RuleSetVersions(ruleSetStore, sha256Hex).get(1);
    if (ruleSet === undefined) throw new Error('rule set 1 not stored');
    const applied = await backtestWallet(
      store,
      'w1',
      { ruleSet, version: 1 },
      {},
      { apply: true, causeId: 'backtest:job-1', clock: deps.clock, ids: deps.ids },
    );
    // The one-liner's rule id is derived from its text, so each fact's 250 becomes 0 and the new rule's 300 is added.
    expect(applied?.adjustmentsAppended).toBeGreaterThanOrEqual(3);

    const whole = await pointsPage({ limit: '200' });
    const pages: PointsEntry[][] = [];
    let cursor: string | null = null;
    for (let request = 0; request < 30; request++) {
      const page: PointsPage = await pointsPage({ limit: '1', ...(cursor === null ? {} : { cursor }) });
      pages.push(page.awards);
      cursor = page.nextCursor;
      if (cursor === null) break;
    }
    expect(cursor).toBeNull();
    expect(pages.flat()).toEqual(whole.awards);
    expect(whole.awards.reduce((sum, entry) => sum + entry.points, 0)).toBe(900);
    expect(whole.awards.filter((entry) => entry.adjustment?.cause === 'backtest')).toHaveLength(
      applied?.adjustmentsAppended ?? -1,
    );
    // limit bounds a page: one fact's awards stay together, but adjustments are entries of their own.
    for (const page of pages) expect(page.length).toBeLessThanOrEqual(1);
  });
});
