import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { RuleSetVersions } from '#app/active-rules.ts';
import { backtestWallet } from '#app/backtest.ts';
import type { CloudEvent } from '#app/cloud-event.ts';
import { recordDeposit } from '#app/deposit.ts';
import { type IngestDeps, ingestEvent } from '#app/ingest.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import { makeCorrectionsHandler } from '#handlers/corrections.ts';
import { problemErrors } from '#http/middleware.ts';
import type { HttpResult } from '#http/problem.ts';
import { apiRequest, expectProblem } from '../../support/api-request.ts';
import { lambdaContext } from '../../support/http.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import { InMemoryRuleSetStore } from '../../support/in-memory-rule-set-store.ts';
import { inMemoryIngestDeps } from '../../support/ingest-deps.ts';

const logger = new Logger({ serviceName: 'tally-test', logLevel: 'SILENT' });
/** The shipped flag: more than 10,000.00 within 2 minutes. */
const CONFIG: ThresholdConfig = { thresholdMinor: 1_000_000n, windowMs: 120_000, retainMax: 16 };
const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const TOKEN = 'corrections-s3cret';
const AUTHORIZED = { authorization: `Bearer ${TOKEN}` };

let store: InMemoryEventStore;
let ruleSetStore: InMemoryRuleSetStore;
let nowMs: number;
let adminToken: string | undefined;
let deps: IngestDeps;
/** Threshold reads the handler asked for (it is handed how to read it, as in the composition). */
let thresholdReads: number;

beforeEach(() => {
  store = new InMemoryEventStore({ pageSize: 4 });
  ruleSetStore = new InMemoryRuleSetStore();
  nowMs = T0;
  adminToken = TOKEN;
  thresholdReads = 0;
  deps = inMemoryIngestDeps(store, ruleSetStore, { nowMs: () => nowMs });
});

const handler = middy(
  makeCorrectionsHandler(
    async () => ({
      stores: { events: store, readModels: store },
      ruleSets: new RuleSetVersions(ruleSetStore, sha256Hex),
      activeVersion: async () => (await deps.rules.current()).version,
      config: async () => {
        thresholdReads++;
        return CONFIG;
      },
      clock: deps.clock,
      ids: deps.ids,
    }),
    () => adminToken,
  ),
).use(problemErrors(logger));

/** POST /wallets/{walletId}/corrections; a string body is sent as it is. */
function correct(walletId: string, body: unknown, headers: Record<string, string> = AUTHORIZED) {
  return handler(
    apiRequest({
      method: 'POST',
      route: '/wallets/{wallet_id}/corrections',
      path: `/wallets/${walletId}/corrections`,
      pathParameters: { wallet_id: walletId },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      headers: { 'content-type': 'application/json', ...headers },
    }),
    lambdaContext,
  );
}

async function deposit(
  walletId: string,
  amountMinor: bigint,
  atMs: number,
  key?: string,
): Promise<RecordedEvent> {
  nowMs = atMs;
  const outcome = await recordDeposit(deps, {
    walletId,
    amountMinor,
    ...(key === undefined ? {} : { idempotency: { key, payloadHash: `hash-of-${key}` } }),
    respond: () => ({ statusCode: 201, body: '{}' }),
  });
  if (outcome.kind !== 'recorded') throw new Error(`deposit not recorded: ${outcome.kind}`);
  return outcome.events[0] as RecordedEvent;
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

async function ingest(event: CloudEvent, atMs: number): Promise<RecordedEvent[]> {
  nowMs = atMs;
  const outcome = await ingestEvent(deps, event);
  if (outcome.kind !== 'recorded') throw new Error(`event not recorded: ${JSON.stringify(outcome)}`);
  return outcome.events;
}

const json = (response: HttpResult) => JSON.parse(response.body) as Record<string, unknown>;

/** Two deposits within 2 minutes that make the flag true: 8,000 (key dep-a) and 3,000 (key dep-b). */
async function twoDepositsOverTheThreshold() {
  const first = await deposit('w1', 800_000n, T0, 'dep-a');
  const second = await deposit('w1', 300_000n, T0 + 30_000, 'dep-b');
  return { first, second };
}

describe('POST /wallets/{wallet_id}/corrections: voiding a deposit', () => {
  it('voids the deposit named by its Idempotency-Key: 201, the flag false again, the original kept', async () => {
    const { second } = await twoDepositsOverTheThreshold();
    const originals = store.storedEvents('w1');
    nowMs = T0 + 600_000;

    const response = await correct('w1', {
      eventId: 'dep-b',
      action: 'void',
      reason: 'keyed twice by the teller',
    });

    expect(response.statusCode, response.body).toBe(201);
    expect(response.headers).toEqual({ 'content-type': 'application/json' });
    expect(json(response)).toEqual({
      walletId: 'w1',
      changed: true,
      target: { eventId: second.eventId, type: 'Deposited', lane: 0, version: 2 },
      correction: {
        eventId: 'id-3',
        type: 'EventCorrected',
        lane: 0,
        version: 3,
        action: 'void',
        reason: 'keyed twice by the teller',
      },
      compensations: [],
      before: { balance: 11000, points: 0, aboveThreshold: true, version: 2 },
      after: { balance: 8000, points: 0, aboveThreshold: false, version: 3 },
    });
    // History is appended to, never rewritten: the two originals are as they were, hash and all.
    const stored = store.storedEvents('w1');
    expect(stored.slice(0, 2)).toEqual(originals);
    expect(stored).toHaveLength(3);
    expect(stored[2]).toMatchObject({
      type: 'EventCorrected',
      eventId: 'id-3',
      recordedAtMs: T0 + 600_000,
      data: {
        target: { eventId: second.eventId, lane: 0, version: 2, type: 'Deposited' },
        action: 'void',
        reason: 'keyed twice by the teller',
      },
    });
    expect(await store.verify('w1')).toEqual({
      ok: true,
      lanes: 1,
      events: 3,
      heads: new Map([[0, await store.head('w1', 0)]]),
    });
  });

  it('answers 200 changed:false and writes nothing for the same correction again', async () => {
    const { second } = await twoDepositsOverTheThreshold();
    const first = await correct('w1', { eventId: 'dep-b', action: 'void', reason: 'duplicate' });
    expect(first.statusCode).toBe(201);
    const count = store.eventCount();

    // By another of its names (the stored event id), with another reason: still the same void.
    for (const eventId of ['dep-b', second.eventId]) {
      const again = await correct('w1', { eventId, action: 'void', reason: 'clicked twice' });
      expect(again.statusCode, again.body).toBe(200);
      expect(json(again)).toEqual({
        walletId: 'w1',
        changed: false,
        target: { eventId: second.eventId, type: 'Deposited', lane: 0, version: 2 },
        correction: {
          eventId: 'id-3',
          type: 'EventCorrected',
          lane: 0,
          version: 3,
          action: 'void',
          reason: 'duplicate',
        },
        compensations: [],
        before: { balance: 8000, points: 0, aboveThreshold: false, version: 3 },
        after: { balance: 8000, points: 0, aboveThreshold: false, version: 3 },
      });
    }
    expect(store.eventCount()).toBe(count);
  });

  it('writes one correction when the same void arrives twice at once: one 201, one 200', async () => {
    await twoDepositsOverTheThreshold();
    const body = { eventId: 'dep-b', action: 'void', reason: 'duplicate' };
    const answers = await Promise.all([correct('w1', body), correct('w1', body), correct('w1', body)]);
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([200, 200, 201]);
    expect(store.storedEvents('w1').filter((event) => event.type === 'EventCorrected')).toHaveLength(1);
    // Whoever lost the race answers what stands now: the void in force, nothing changed by this request.
    const now = { balance: 8000, points: 0, aboveThreshold: false, version: 3 };
    for (const answer of answers) {
      expect(json(answer).after, answer.body).toEqual(now);
      if (answer.statusCode === 200) expect(json(answer).before, answer.body).toEqual(now);
    }
  });

  it('decides racing corrections one after the other: a void and an amendment of one deposit', async () => {
    await twoDepositsOverTheThreshold();
    const [voided, amended] = await Promise.all([
      correct('w1', { eventId: 'dep-b', action: 'void', reason: 'duplicate' }),
      correct('w1', { eventId: 'dep-b', action: 'amend', reason: 'typo', data: { amount: 1 } }),
    ]);
    const statuses = [voided?.statusCode, amended?.statusCode];
    // Either the void came first (the amendment is refused, 409), or the amendment did (both written).
    expect([
      [201, 409],
      [201, 201],
    ]).toContainEqual(statuses);
    const corrections = store.storedEvents('w1').filter((event) => event.type === 'EventCorrected');
    expect(corrections).toHaveLength(statuses[1] === 201 ? 2 : 1);
    expect(await store.verify('w1')).toMatchObject({ ok: true });
  });

  it('finds the deposit by its stored event id as well as by its key', async () => {
    const { first } = await twoDepositsOverTheThreshold();
    const response = await correct('w1', { eventId: first.eventId, action: 'void', reason: 'test deposit' });
    expect(response.statusCode).toBe(201);
    expect(json(response)).toMatchObject({
      target: { eventId: first.eventId, version: 1 },
      after: { balance: 3000, aboveThreshold: false },
    });
  });

  it('finds a deposit that came in as a wallet.deposit CloudEvent by the CloudEvent id', async () => {
    const [recorded] = await ingest(
      cloudEvent('bus-dep-1', {
        type: 'wallet.deposit',
        data: { amount: '10000.01' },
        time: '2026-11-22T10:00:00Z',
      }),
      T0,
    );
    const response = await correct('w1', {
      eventId: 'bus-dep-1',
      action: 'void',
      reason: 'sent to the wrong wallet',
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(json(response)).toMatchObject({
      target: { eventId: recorded?.eventId, type: 'Deposited' },
      before: { balance: 10000.01, aboveThreshold: true },
      after: { balance: 0, aboveThreshold: false },
    });
  });
});

describe('POST /wallets/{wallet_id}/corrections: amending a deposit', () => {
  it('amends the amount: balance and flag follow, and the same amendment again changes nothing', async () => {
    const { second } = await twoDepositsOverTheThreshold();
    const body = {
      eventId: 'dep-b',
      action: 'amend',
      reason: 'was 30.00, not 3000',
      data: { amount: '30.00' },
    };

    const response = await correct('w1', body);
    expect(response.statusCode, response.body).toBe(201);
    expect(json(response)).toEqual({
      walletId: 'w1',
      changed: true,
      target: { eventId: second.eventId, type: 'Deposited', lane: 0, version: 2 },
      correction: {
        eventId: 'id-3',
        type: 'EventCorrected',
        lane: 0,
        version: 3,
        action: 'amend',
        reason: 'was 30.00, not 3000',
      },
      compensations: [],
      before: { balance: 11000, points: 0, aboveThreshold: true, version: 2 },
      after: { balance: 8030, points: 0, aboveThreshold: false, version: 3 },
    });
    expect(store.storedEvents('w1')[2]?.data).toMatchObject({
      action: 'amend',
      deposit: { amountMinor: 3_000n, occurredAtMs: T0 + 30_000 },
    });

    const count = store.eventCount();
    // 30 as a JSON number is the same amount as "30.00".
    const again = await correct('w1', { ...body, data: { amount: 30 } });
    expect(again.statusCode).toBe(200);
    expect(json(again)).toMatchObject({ changed: false, correction: { eventId: 'id-3', action: 'amend' } });
    expect(store.eventCount()).toBe(count);
  });

  it("amends the event time: a deposit moved into the other one's window turns the flag on", async () => {
    await deposit('w1', 600_000n, T0, 'early');
    await deposit('w1', 500_000n, T0 + 600_000, 'late');
    const response = await correct('w1', {
      eventId: 'late',
      action: 'amend',
      reason: 'the till clock was 10 minutes fast',
      data: { time: '2026-11-22T10:01:00Z' },
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(json(response)).toMatchObject({
      before: { balance: 11000, aboveThreshold: false },
      after: { balance: 11000, aboveThreshold: true, version: 3 },
    });
  });

  it('answers 200 changed:false with no correction for an amendment that changes nothing', async () => {
    const { second } = await twoDepositsOverTheThreshold();
    const count = store.eventCount();
    const response = await correct('w1', {
      eventId: 'dep-b',
      action: 'amend',
      reason: 'no-op',
      data: { amount: '3000', time: '2026-11-22T10:00:30.000Z' },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(json(response)).toEqual({
      walletId: 'w1',
      changed: false,
      target: { eventId: second.eventId, type: 'Deposited', lane: 0, version: 2 },
      correction: null,
      compensations: [],
      before: { balance: 11000, points: 0, aboveThreshold: true, version: 2 },
      after: { balance: 11000, points: 0, aboveThreshold: true, version: 2 },
    });
    expect(store.eventCount()).toBe(count);
  });

  it('answers 409 for an amendment of a voided deposit, and writes nothing', async () => {
    await twoDepositsOverTheThreshold();
    expect((await correct('w1', { eventId: 'dep-b', action: 'void', reason: 'duplicate' })).statusCode).toBe(
      201,
    );
    const count = store.eventCount();
    const response = await correct('w1', {
      eventId: 'dep-b',
      action: 'amend',
      reason: 'too late',
      data: { amount: 1 },
    });
    expectProblem(response, 409, '/problems/event-voided');
    expect(store.eventCount()).toBe(count);
  });
});

describe('POST /wallets/{wallet_id}/corrections: facts', () => {
  it("amends a fact's data by its CloudEvent id: the points are compensated, the award kept", async () => {
    // A fact and its award take one id (the award's is derived from it).
    const [fact, award] = await ingest(cloudEvent('trade-1', { type: 'trade', data: { qty: 10 } }), T0);
    expect(award).toMatchObject({ type: 'PointsAwarded', data: { points: 50n } });
    nowMs = T0 + 60_000;

    const response = await correct('w1', {
      eventId: 'trade-1',
      action: 'amend',
      reason: 'the trade was 30 units',
      data: { data: { qty: 30 } },
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(json(response)).toEqual({
      walletId: 'w1',
      changed: true,
      target: { eventId: fact?.eventId, type: 'FactRecorded', lane: 0, version: 1 },
      correction: {
        eventId: 'id-2',
        type: 'EventCorrected',
        lane: 0,
        version: 3,
        action: 'amend',
        reason: 'the trade was 30 units',
      },
      compensations: [
        {
          eventId: 'id-3',
          type: 'PointsAdjusted',
          lane: 0,
          version: 4,
          points: 100,
          factId: 'trade-1',
          ruleId: 'trade-volume',
          ruleSetVersion: 0,
        },
      ],
      before: { balance: 0, points: 50, aboveThreshold: false, version: 2 },
      after: { balance: 0, points: 150, aboveThreshold: false, version: 4 },
    });
    const stored = store.storedEvents('w1');
    expect(stored[3]).toMatchObject({
      type: 'PointsAdjusted',
      data: { points: 100n, factId: 'trade-1', ruleId: 'trade-volume', cause: 'correction', causeId: 'id-2' },
    });
    expect(stored[2]?.data).toMatchObject({
      fact: { dataJson: '{"qty":30}', occurredAtMs: Date.parse('2026-11-22T09:59:00Z') },
    });
  });

  it('voids a fact and takes its points back; voiding it again writes nothing', async () => {
    await ingest(cloudEvent('like-1'), T0);
    await ingest(cloudEvent('like-2'), T0 + 1);
    const response = await correct('w1', { eventId: 'like-2', action: 'void', reason: 'self-like' });
    expect(response.statusCode, response.body).toBe(201);
    const body = json(response);
    expect(body.compensations).toEqual([
      expect.objectContaining({ type: 'PointsAdjusted', points: -250, factId: 'like-2', ruleSetVersion: 0 }),
    ]);
    expect(body).toMatchObject({ before: { points: 500 }, after: { points: 250 } });
    const count = store.eventCount();
    const again = await correct('w1', { eventId: 'like-2', action: 'void', reason: 'self-like' });
    expect(again.statusCode).toBe(200);
    expect(json(again)).toMatchObject({ changed: false, compensations: [], after: { points: 250 } });
    expect(store.eventCount()).toBe(count);
  });

  it('decides an amended fact with the rule set version that decided it, not the active one', async () => {
    await ingest(cloudEvent('like-1'), T0);
    const text = 'event_type=="answer_is_liked", 999';
    await ruleSetStore.publish({ text, textHash: sha256Hex(text), publishedAtMs: T0 });
    nowMs = T0 + 10_000; // past the active rules' refresh
    const response = await correct('w1', {
      eventId: 'like-1',
      action: 'amend',
      reason: 'another answer',
      data: { data: { answerId: 'a2' } },
    });
    // Version 0 gives the amended fact 250 too: the data changed, the points did not.
    expect(response.statusCode, response.body).toBe(201);
    expect(json(response)).toMatchObject({ compensations: [], after: { points: 250 } });
  });

  it('decides an amended fact with the rule set applied to it retroactively, not the one it came in under', async () => {
    await ingest(cloudEvent('trade-1', { type: 'trade', data: { qty: 10 } }), T0);
    const text = [
      'rules:',
      '  - id: trade-volume',
      '    when: event_type == "trade" && data.qty >= 10',
      '    points: data.qty * 6',
      '',
    ].join('\n');
    await ruleSetStore.publish({ text, textHash: sha256Hex(text), publishedAtMs: T0 });
    const version1 = await new RuleSetVersions(ruleSetStore, sha256Hex).get(1);
    if (version1 === undefined) throw new Error('version 1 not stored');
    const applied = await backtestWallet(
      store,
      'w1',
      { ruleSet: version1, version: 1 },
      {},
      { apply: true, causeId: 'backtest:retro', clock: deps.clock, ids: deps.ids },
    );
    // Version 1 now decides the trade: 60 points (50 awarded + 10 adjusted), the adjustment names version 1.
    expect(applied).toMatchObject({ candidatePoints: 60n, adjustmentsAppended: 1 });

    const response = await correct('w1', {
      eventId: 'trade-1',
      action: 'amend',
      reason: 'it was 20 units',
      data: { data: { qty: 20 } },
    });
    expect(response.statusCode, response.body).toBe(201);
    // 20 units under version 1 are 120 points: +60, named version 1. (Version 0 would give 100.)
    expect(json(response)).toMatchObject({
      compensations: [{ points: 60, factId: 'trade-1', ruleId: 'trade-volume', ruleSetVersion: 1 }],
      before: { points: 60 },
      after: { points: 120 },
    });
  });

  it('decides a fact recorded after a retroactive application under the version it was recorded with', async () => {
    const perUnit = (points: number) =>
      [
        'rules:',
        '  - id: trade-volume',
        '    when: event_type == "trade" && data.qty >= 10',
        `    points: data.qty * ${points}`,
        '',
      ].join('\n');
    await ingest(cloudEvent('trade-1', { type: 'trade', data: { qty: 10 } }), T0);
    for (const points of [6, 7]) {
      const text = perUnit(points);
      await ruleSetStore.publish({ text, textHash: sha256Hex(text), publishedAtMs: T0 });
    }
    const versions = new RuleSetVersions(ruleSetStore, sha256Hex);
    const version1 = await versions.get(1);
    if (version1 === undefined) throw new Error('version 1 not stored');
    // Version 1 applied to every fact there is (no range)...
    await backtestWallet(
      store,
      'w1',
      { ruleSet: version1, version: 1 },
      {},
      { apply: true, causeId: 'backtest:retro', clock: deps.clock, ids: deps.ids },
    );
    // ...then version 2 is active, and a new trade is decided by it: 10 units × 7.
    const [trade2] = await ingest(cloudEvent('trade-2', { type: 'trade', data: { qty: 10 } }), T0 + 60_000);
    expect(trade2?.data).toMatchObject({ ruleSetVersion: 2 });
    expect(store.storedEvents('w1').at(-1)).toMatchObject({ type: 'PointsAwarded', data: { points: 70n } });

    const response = await correct('w1', {
      eventId: 'trade-2',
      action: 'amend',
      reason: 'it was 20 units',
      data: { data: { qty: 20 } },
    });
    expect(response.statusCode, response.body).toBe(201);
    // Under version 2, the one that decided it: 140, so +70. (Version 1, applied before it existed, would give 120.)
    expect(json(response)).toMatchObject({
      compensations: [{ points: 70, factId: 'trade-2', ruleId: 'trade-volume', ruleSetVersion: 2 }],
    });
  });

  it("amends only a fact's time: a correction with no compensation", async () => {
    await ingest(cloudEvent('like-1'), T0);
    const response = await correct('w1', {
      eventId: 'like-1',
      action: 'amend',
      reason: 'clock skew',
      data: { time: '2026-11-22T09:00:00Z' },
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(json(response)).toMatchObject({
      changed: true,
      compensations: [],
      after: { points: 250, version: 3 },
    });
  });

  it('answers 422 not-correctable for an award (its points follow the fact)', async () => {
    const [, award] = await ingest(cloudEvent('like-1'), T0);
    const count = store.eventCount();
    const response = await correct('w1', { eventId: award?.eventId, action: 'void', reason: 'no' });
    expectProblem(response, 422, '/problems/not-correctable');
    expect(store.eventCount()).toBe(count);
  });

  it('answers 422 not-correctable for a correction event', async () => {
    await twoDepositsOverTheThreshold();
    await correct('w1', { eventId: 'dep-b', action: 'void', reason: 'x' });
    const count = store.eventCount();
    expectProblem(
      await correct('w1', { eventId: 'id-3', action: 'void', reason: 'undo' }),
      422,
      '/problems/not-correctable',
    );
    expect(store.eventCount()).toBe(count);
  });

  it('answers 422 invalid-amendment for a deposit amended with data and a fact amended with an amount', async () => {
    await deposit('w1', 100n, T0, 'dep-a');
    await ingest(cloudEvent('like-1'), T0 + 1);
    const count = store.eventCount();
    expectProblem(
      await correct('w1', { eventId: 'dep-a', action: 'amend', reason: 'x', data: { data: { a: 1 } } }),
      422,
      '/problems/invalid-amendment',
    );
    expectProblem(
      await correct('w1', { eventId: 'like-1', action: 'amend', reason: 'x', data: { amount: 5 } }),
      422,
      '/problems/invalid-amendment',
    );
    expect(store.eventCount()).toBe(count);
  });

  it('answers 422 rule-failed when the rule set that decided the fact fails on the amended data', async () => {
    await ingest(cloudEvent('trade-1', { type: 'trade', data: { qty: 10 } }), T0);
    const count = store.eventCount();
    const response = await correct('w1', {
      eventId: 'trade-1',
      action: 'amend',
      reason: 'typo',
      data: { data: { qty: 'ten' } },
    });
    expectProblem(response, 422, '/problems/rule-failed');
    expect(store.eventCount()).toBe(count);
  });
});

describe('POST /wallets/{wallet_id}/corrections: refusals change nothing', () => {
  beforeEach(async () => {
    await twoDepositsOverTheThreshold();
    await ingest(cloudEvent('like-1'), T0 + 60_000);
  });

  const VALID = { eventId: 'dep-b', action: 'void', reason: 'duplicate' };

  it.each<[string, unknown, string]>([
    ['malformed JSON', '{"eventId": "dep-b", ', '/problems/malformed-json'],
    ['an empty body', '', '/problems/missing-body'],
    ['a JSON array', '[]', '/problems/invalid-request'],
    ['an unknown field', { ...VALID, force: true }, '/problems/invalid-request'],
    [
      'an unknown field in data',
      { ...VALID, action: 'amend', data: { amout: 5 } },
      '/problems/invalid-request',
    ],
    ['a missing reason', { eventId: 'dep-b', action: 'void' }, '/problems/invalid-request'],
    ['a blank reason', { ...VALID, reason: '   ' }, '/problems/invalid-request'],
    ['a reason over 1,000 characters', { ...VALID, reason: 'x'.repeat(1_001) }, '/problems/invalid-request'],
    ['a missing eventId', { action: 'void', reason: 'x' }, '/problems/invalid-request'],
    ['an empty eventId', { ...VALID, eventId: '' }, '/problems/invalid-request'],
    ['a numeric eventId', { ...VALID, eventId: 2 }, '/problems/invalid-request'],
    ['an unknown action', { ...VALID, action: 'delete' }, '/problems/invalid-request'],
    ['amend without data', { ...VALID, action: 'amend' }, '/problems/invalid-request'],
    ['amend with empty data', { ...VALID, action: 'amend', data: {} }, '/problems/invalid-request'],
    ['void with data', { ...VALID, data: { amount: 1 } }, '/problems/invalid-request'],
    [
      'a time that is not RFC 3339',
      { ...VALID, action: 'amend', data: { time: 'yesterday' } },
      '/problems/invalid-request',
    ],
    [
      'a date that does not exist',
      { ...VALID, action: 'amend', data: { time: '2026-02-30T10:00:00Z' } },
      '/problems/invalid-request',
    ],
    [
      'an amount with 3 decimals',
      { ...VALID, action: 'amend', data: { amount: '1.234' } },
      '/problems/invalid-amount',
    ],
    [
      'an amount of 3 decimals as a number',
      { ...VALID, action: 'amend', data: { amount: 0.001 } },
      '/problems/invalid-amount',
    ],
    ['a zero amount', { ...VALID, action: 'amend', data: { amount: 0 } }, '/problems/invalid-amount'],
    ['a negative amount', { ...VALID, action: 'amend', data: { amount: '-5' } }, '/problems/invalid-amount'],
    [
      'an amount that is not a number',
      { ...VALID, action: 'amend', data: { amount: 'ten' } },
      '/problems/invalid-amount',
    ],
    [
      'an amount of the wrong type',
      { ...VALID, action: 'amend', data: { amount: true } },
      '/problems/invalid-request',
    ],
    [
      'an amount over the maximum',
      { ...VALID, action: 'amend', data: { amount: '1000000000000.01' } },
      '/problems/invalid-amount',
    ],
  ])('answers 400 for %s', async (_name, body, type) => {
    const count = store.eventCount();
    const before = store.storedEvents('w1');
    expectProblem(await correct('w1', body), 400, type);
    expect(store.eventCount()).toBe(count);
    expect(store.storedEvents('w1')).toEqual(before);
    // A request refused for its body reads nothing, not even the threshold.
    expect(thresholdReads).toBe(0);
  });

  it('answers 400 invalid-wallet-id for a bad wallet id in the path', async () => {
    const count = store.eventCount();
    expectProblem(await correct('a b', VALID), 400, '/problems/invalid-wallet-id');
    expect(store.eventCount()).toBe(count);
  });

  it('answers 404 for an unknown wallet and for an unknown event', async () => {
    const count = store.eventCount();
    expectProblem(await correct('nobody', VALID), 404, '/problems/wallet-not-found');
    const unknown = expectProblem(
      await correct('w1', { ...VALID, eventId: 'no-such-key' }),
      404,
      '/problems/event-not-found',
    );
    expect(unknown.detail).toContain('no-such-key');
    // Another wallet's key does not reach into this one.
    await deposit('w2', 100n, T0, 'w2-key');
    expectProblem(await correct('w1', { ...VALID, eventId: 'w2-key' }), 404, '/problems/event-not-found');
    expect(store.eventCount()).toBe(count + 1);
  });

  it('answers 413 for a body over 64 KiB (here 300 KB)', async () => {
    const count = store.eventCount();
    expectProblem(
      await correct('w1', { ...VALID, reason: 'x'.repeat(300_000) }),
      413,
      '/problems/body-too-large',
    );
    expect(store.eventCount()).toBe(count);
  });

  it('never answers 5xx for any of a mixed bag of client mistakes', async () => {
    const bodies: unknown[] = [
      'null',
      '"void"',
      '42',
      '{}',
      { eventId: null, action: 'void', reason: 'x' },
      { ...VALID, data: null },
      { ...VALID, action: 'amend', data: null },
      { ...VALID, action: 'amend', data: [] },
      { ...VALID, action: 'amend', data: { time: 12 } },
      { ...VALID, action: 'amend', data: { amount: '1e3' } },
      { ...VALID, action: 'amend', data: { amount: Number.MAX_VALUE } },
      { ...VALID, eventId: 'x'.repeat(256) },
      { ...VALID, reason: 7 },
    ];
    const count = store.eventCount();
    for (const body of bodies) {
      const response = await correct('w1', body);
      expect(response.statusCode, `${JSON.stringify(body)} → ${response.body}`).toBeGreaterThanOrEqual(400);
      expect(response.statusCode, `${JSON.stringify(body)} → ${response.body}`).toBeLessThan(500);
      expect(response.headers?.['content-type']).toBe('application/problem+json');
    }
    expect(store.eventCount()).toBe(count);
  });
});

describe('POST /wallets/{wallet_id}/corrections: admin authorization', () => {
  beforeEach(async () => {
    await twoDepositsOverTheThreshold();
  });
  const VALID = { eventId: 'dep-b', action: 'void', reason: 'duplicate' };

  it('answers 401 with a Bearer challenge without a token, 403 with another, and writes nothing', async () => {
    const count = store.eventCount();
    const missing = await correct('w1', VALID, {});
    expectProblem(missing, 401, '/problems/unauthorized');
    expect(missing.headers?.['www-authenticate']).toMatch(/^Bearer /);
    expectProblem(await correct('w1', VALID, { authorization: 'Bearer nope' }), 403, '/problems/forbidden');
    expectProblem(
      await correct('w1', VALID, { authorization: `Basic ${TOKEN}` }),
      401,
      '/problems/unauthorized',
    );
    expect(store.eventCount()).toBe(count);
  });

  it('checks the token before the body: a bad body without a token is 401, not 400', async () => {
    expectProblem(await correct('w1', '{bad', {}), 401, '/problems/unauthorized');
  });

  it('is open when no admin token is configured', async () => {
    adminToken = undefined;
    expect((await correct('w1', VALID, {})).statusCode).toBe(201);
  });
});
