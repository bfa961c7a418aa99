import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../functions/local/runtime.ts';
import { startTestRuntime } from '../support/local.ts';

/**
 * The corrections story end to end, over real HTTP against the local runtime (DynamoDB Local, the
 * stream poller and projector, the local SQS queues and their runners): an operator finds a wrong
 * deposit in a wallet's audit trail, voids it by the Idempotency-Key the client sent, amends a
 * fact, proves the log was not altered, replays every wallet as a job, backtests a candidate rule
 * set, and applies a published one retroactively, twice, the second time appending nothing.
 * The tests run in order and build on each other.
 */

const TOKEN = 'corrections-e2e-admin';
const ADMIN = { authorization: `Bearer ${TOKEN}` };
const WALLET = 'acme-001';
const OTHER = 'acme-002';

let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime({ env: { TALLY_ADMIN_TOKEN: TOKEN }, jobsQueue: { waitTimeSeconds: 1 } });
});

afterAll(async () => {
  await runtime?.stop();
  delete process.env.TALLY_ADMIN_TOKEN;
});

interface Answer {
  status: number;
  contentType: string | null;
  location: string | null;
  body: Record<string, unknown>;
}

async function call(
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(`${runtime.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    location: response.headers.get('location'),
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
  };
}

const correct = (body: unknown, headers: Record<string, string> = ADMIN) =>
  call('POST', `/wallets/${WALLET}/corrections`, body, headers);

/** A problem+json answer with the members every client relies on. */
function expectProblem(answer: Answer, status: number, type: string): void {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(answer.contentType).toBe('application/problem+json');
  // Types are absolute (https://tally.dev/problems/<code>); the tests name the path.
  expect(answer.body).toMatchObject({
    type: `https://tally.dev${type}`,
    status,
    title: expect.any(String),
    detail: expect.any(String),
  });
}

interface AuditEvent {
  eventId: string;
  type: string;
  lane: number;
  version: number;
  idempotencyKey?: string;
  data: Record<string, unknown>;
  correctedBy?: string[];
}

async function auditTrail(walletId: string): Promise<AuditEvent[]> {
  const all: AuditEvent[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 50; page++) {
    const query: string = cursor === null ? '?limit=3' : `?limit=3&cursor=${cursor}`;
    const answer = await call('GET', `/wallets/${walletId}/events${query}`);
    expect(answer.status).toBe(200);
    all.push(...(answer.body.events as AuditEvent[]));
    cursor = answer.body.nextCursor as string | null;
    if (cursor === null) return all;
  }
  throw new Error('the audit trail did not end');
}

async function details(walletId: string): Promise<string> {
  const response = await fetch(`${runtime.url}/details/${walletId}`);
  expect(response.status).toBe(200);
  return response.text();
}

async function wallet(
  walletId: string,
): Promise<{ balance: number; points: number; aboveThreshold: boolean; version: number }> {
  const answer = await call('GET', `/wallets/${walletId}`);
  expect(answer.status).toBe(200);
  return answer.body as { balance: number; points: number; aboveThreshold: boolean; version: number };
}

async function publishEvent(event: Record<string, unknown>): Promise<void> {
  const answer = await call('POST', '/events', { specversion: '1.0', source: 'trading-app', ...event });
  expect(answer.status, JSON.stringify(answer.body)).toBe(202);
  await runtime.whenIngested({ timeoutMs: 30_000 });
}

/** Follows a job's href until it is done (the runner works through the jobs queue meanwhile). */
async function untilDone(href: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 60_000;
  let last: Answer | undefined;
  while (Date.now() < deadline) {
    last = await call('GET', href, undefined, ADMIN);
    expect(last.status, JSON.stringify(last.body)).toBe(200);
    if (last.body.status === 'done') return last.body;
    expect(last.body.status).toBe('running');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`job ${href} not done in 60 s: ${JSON.stringify(last?.body)}`);
}

/** Every wallet this file creates. */
const WALLETS = [WALLET, OTHER, 'acme-003'];

/** Set by the first test, read by the later ones. */
let wrongDeposit: AuditEvent;
let voidId: string;

describe('the corrections story, over HTTP', () => {
  it('records deposits that make the flag true, and the audit trail shows the wrong one by its key', async () => {
    for (const [key, amount] of [
      ['dep-good-1', 8000],
      ['dep-wrong-2', 3000],
    ] as const) {
      const answer = await call(
        'POST',
        '/deposit',
        { WalletID: WALLET, Amount: amount },
        { 'idempotency-key': `"${key}"` },
      );
      expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    }
    expect((await call('POST', '/deposit', { WalletID: OTHER, Amount: '12.5' })).status).toBe(201);
    expect((await call('POST', '/deposit', { WalletID: 'acme-003', Amount: 1 })).status).toBe(201);
    expect(await details(WALLET)).toBe(`{"WalletID":"${WALLET}","Balance":11000,"AboveThreshold":true}`);

    const trail = await auditTrail(WALLET);
    const found = trail.find((event) => event.idempotencyKey === 'dep-wrong-2');
    expect(found).toMatchObject({ type: 'Deposited', lane: 0, version: 2, data: { amount: '3000' } });
    expect(found?.correctedBy).toBeUndefined();
    wrongDeposit = found as AuditEvent;
  });

  it('refuses a correction without the admin token (401) or with another (403), writing nothing', async () => {
    const body = { eventId: 'dep-wrong-2', action: 'void', reason: 'keyed twice' };
    const missing = await call('POST', `/wallets/${WALLET}/corrections`, body);
    expectProblem(missing, 401, '/problems/unauthorized');
    expectProblem(await correct(body, { authorization: 'Bearer not-it' }), 403, '/problems/forbidden');
    expect(await auditTrail(WALLET)).toHaveLength(2);
  });

  it('refuses bad input with a 4xx problem, writing nothing', async () => {
    expectProblem(await correct('{"eventId": "dep-wrong-2",'), 400, '/problems/malformed-json');
    expectProblem(
      await correct({ eventId: 'dep-wrong-2', action: 'void' }),
      400,
      '/problems/invalid-request',
    );
    expectProblem(
      await correct({ eventId: 'dep-wrong-2', action: 'void', reason: 'x', data: { amount: 1 } }),
      400,
      '/problems/invalid-request',
    );
    expectProblem(
      await correct({ eventId: 'dep-wrong-2', action: 'amend', reason: 'x', data: { amount: '1.005' } }),
      400,
      '/problems/invalid-amount',
    );
    expectProblem(
      await correct({ eventId: 'no-such', action: 'void', reason: 'x' }),
      404,
      '/problems/event-not-found',
    );
    expectProblem(
      await call(
        'POST',
        '/wallets/nobody-here/corrections',
        { eventId: 'x', action: 'void', reason: 'x' },
        ADMIN,
      ),
      404,
      '/problems/wallet-not-found',
    );
    expect(await auditTrail(WALLET)).toHaveLength(2);
  });

  it('voids the wrong deposit by its Idempotency-Key: the flag is false again, and /details agrees', async () => {
    const answer = await correct({
      eventId: 'dep-wrong-2',
      action: 'void',
      reason: 'the teller keyed it twice',
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(answer.contentType).toBe('application/json');
    const correction = answer.body.correction as { eventId: string };
    voidId = correction.eventId;
    expect(answer.body).toEqual({
      walletId: WALLET,
      changed: true,
      target: { eventId: wrongDeposit.eventId, type: 'Deposited', lane: 0, version: 2 },
      correction: {
        eventId: voidId,
        type: 'EventCorrected',
        lane: 0,
        version: 3,
        action: 'void',
        reason: 'the teller keyed it twice',
      },
      compensations: [],
      before: { balance: 11000, points: 0, aboveThreshold: true, version: 2 },
      after: { balance: 8000, points: 0, aboveThreshold: false, version: 3 },
    });
    // At once (the handler folds in what the projector has not applied yet), and once projected.
    expect(await details(WALLET)).toBe(`{"WalletID":"${WALLET}","Balance":8000,"AboveThreshold":false}`);
    await runtime.whenProjected({ timeoutMs: 30_000 });
    expect(await details(WALLET)).toBe(`{"WalletID":"${WALLET}","Balance":8000,"AboveThreshold":false}`);
    expect(await wallet(WALLET)).toMatchObject({ balance: 8000, aboveThreshold: false, version: 3 });
  });

  it('answers the same correction again with 200 changed:false and writes nothing', async () => {
    const answer = await correct({
      eventId: 'dep-wrong-2',
      action: 'void',
      reason: 'the teller keyed it twice',
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      changed: false,
      correction: { eventId: voidId, action: 'void' },
      compensations: [],
      after: { balance: 8000, aboveThreshold: false, version: 3 },
    });
    expectProblem(
      await correct({ eventId: 'dep-wrong-2', action: 'amend', reason: 'x', data: { amount: 5 } }),
      409,
      '/problems/event-voided',
    );
    expect(await auditTrail(WALLET)).toHaveLength(3);
  });

  it('amends a fact sent to POST /events: its points are compensated, and /points lists the adjustment', async () => {
    await publishEvent({ id: 'trade-77', type: 'trade', subject: WALLET, data: { qty: 10, symbol: 'ACME' } });
    await publishEvent({ id: 'like-1', type: 'answer_is_liked', subject: OTHER });
    expect(await wallet(WALLET)).toMatchObject({ points: 50, version: 5 });

    const award = (await auditTrail(WALLET)).find((event) => event.type === 'PointsAwarded') as AuditEvent;
    expectProblem(
      await correct({ eventId: award.eventId, action: 'void', reason: 'x' }),
      422,
      '/problems/not-correctable',
    );

    const answer = await correct({
      eventId: 'trade-77',
      action: 'amend',
      reason: 'the trade was 12 units',
      data: { data: { qty: 12, symbol: 'ACME' } },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    const correctionId = (answer.body.correction as { eventId: string }).eventId;
    expect(answer.body).toMatchObject({
      changed: true,
      target: { type: 'FactRecorded', lane: 0, version: 4 },
      correction: { eventId: correctionId, type: 'EventCorrected', version: 6, action: 'amend' },
      compensations: [
        {
          type: 'PointsAdjusted',
          version: 7,
          points: 10,
          factId: 'trade-77',
          ruleId: 'trade-volume',
          ruleSetVersion: 0,
        },
      ],
      before: { points: 50, version: 5 },
      after: { balance: 8000, points: 60, aboveThreshold: false, version: 7 },
    });
    expect((answer.body.compensations as unknown[]).length).toBe(1);

    await runtime.whenProjected({ timeoutMs: 30_000 });
    expect(await wallet(WALLET)).toMatchObject({ points: 60, version: 7 });
    const points = await call('GET', `/wallets/${WALLET}/points`);
    expect(points.status).toBe(200);
    expect(points.body.awards).toEqual([
      expect.objectContaining({ points: 50, factId: 'trade-77', ruleId: 'trade-volume', factType: 'trade' }),
      expect.objectContaining({
        points: 10,
        factId: 'trade-77',
        factType: 'trade',
        ruleId: 'trade-volume',
        ruleSetVersion: 0,
        adjustment: { cause: 'correction', causeId: correctionId },
      }),
    ]);
  });

  it('proves the log was not altered: /verify is ok and every original is still in /events, as it was', async () => {
    const verify = await call('GET', `/wallets/${WALLET}/verify`);
    expect(verify.status).toBe(200);
    expect(verify.body).toEqual({ walletId: WALLET, ok: true, lanes: 1, events: 7 });

    const trail = await auditTrail(WALLET);
    expect(trail.map((event) => `${event.version}:${event.type}`)).toEqual([
      '1:Deposited',
      '2:Deposited',
      '3:EventCorrected',
      '4:FactRecorded',
      '5:PointsAwarded',
      '6:EventCorrected',
      '7:PointsAdjusted',
    ]);
    const original = trail[1];
    // The voided deposit, unchanged, now naming the correction that voided it.
    expect(original).toEqual({ ...wrongDeposit, correctedBy: [voidId] });
    expect(trail[3]).toMatchObject({
      idempotencyKey: 'trade-77',
      data: { factId: 'trade-77', factType: 'trade', data: { qty: 10, symbol: 'ACME' } },
      correctedBy: [trail[5]?.eventId],
    });
    expect(trail[5]?.data).toMatchObject({
      target: { eventId: trail[3]?.eventId, lane: 0, version: 4, type: 'FactRecorded' },
      action: 'amend',
      fact: { data: { qty: 12, symbol: 'ACME' } },
    });
  });

  it('replays every wallet as a job: 202 with its Location, then done with every wallet counted', async () => {
    await runtime.whenProjected({ timeoutMs: 30_000 });
    const started = await call('POST', '/replay', {}, ADMIN);
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const jobId = started.body.jobId as string;
    expect(started.body).toEqual({ jobId, kind: 'replay', status: 'running', href: `/replay/${jobId}` });
    expect(started.location).toBe(`/replay/${jobId}`);

    const report = await untilDone(`/replay/${jobId}`);
    expect(report).toMatchObject({
      jobId,
      kind: 'replay',
      status: 'done',
      createdAt: expect.any(String),
      finishedAt: expect.any(String),
      params: { dryRun: false },
      progress: { segments: expect.any(Number), fraction: 1 },
      totals: { wallets: WALLETS.length, events: 7 + 3 + 1 },
      changes: expect.any(Array),
    });
    const progress = report.progress as { segments: number; segmentsDone: number };
    expect(progress.segmentsDone).toBe(progress.segments);
    // The projector kept every view equal to the fold of its log: nothing to repair.
    expect(report.totals).toMatchObject({ changed: 0, written: 0 });
    expectProblem(await call('GET', '/replay/no-such-job', undefined, ADMIN), 404, '/problems/job-not-found');
    // A job id no job can have (longer than a DynamoDB key may be) is a client mistake too: 404, not 5xx.
    expectProblem(
      await call('GET', `/replay/${'j'.repeat(2_100)}`, undefined, ADMIN),
      404,
      '/problems/job-not-found',
    );
    expectProblem(
      await call('GET', `/rules/backtest/${'j'.repeat(2_100)}`, undefined, ADMIN),
      404,
      '/problems/job-not-found',
    );
    expectProblem(await call('GET', `/replay/${jobId}`), 401, '/problems/unauthorized');
  });

  it('backtests a candidate rule set as a dry run, for named wallets at once and for every wallet as a job', async () => {
    const rules =
      'event_type=="answer_is_liked", 300\nevent_type == "trade" && data.qty >= 10, data.qty * 10\n';
    const dryRun = await call(
      'POST',
      '/rules/backtest',
      { rules, walletIds: [WALLET, OTHER, 'ghost'] },
      ADMIN,
    );
    expect(dryRun.status, JSON.stringify(dryRun.body)).toBe(200);
    expect(dryRun.body).toMatchObject({
      dryRun: true,
      ruleSet: { version: null },
      wallets: [
        {
          walletId: WALLET,
          facts: 1,
          awardedPoints: 60,
          candidatePoints: 120,
          difference: 60,
          adjustmentsAppended: 0,
        },
        {
          walletId: OTHER,
          facts: 1,
          awardedPoints: 250,
          candidatePoints: 300,
          difference: 50,
          adjustmentsAppended: 0,
        },
      ],
      unknownWallets: ['ghost'],
      totals: {
        wallets: 2,
        facts: 2,
        awardedPoints: 310,
        candidatePoints: 420,
        difference: 110,
        adjustmentsAppended: 0,
      },
    });

    const started = await call('POST', '/rules/backtest', { rules }, ADMIN);
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(started.location).toBe(started.body.href);
    const report = await untilDone(started.body.href as string);
    expect(report).toMatchObject({
      kind: 'backtest',
      params: { ruleSetVersion: null, rulesTextChars: rules.length, apply: false, dryRun: true },
      totals: {
        wallets: WALLETS.length,
        facts: 2,
        awardedPoints: 310,
        candidatePoints: 420,
        difference: 110,
        adjustmentsAppended: 0,
      },
    });

    const invalid = await call('POST', '/rules/backtest', { rules: 'event_type ==, 5' }, ADMIN);
    expectProblem(invalid, 422, '/problems/invalid-rules');
    expect(invalid.body.errors).toEqual([expect.objectContaining({ line: 1, column: expect.any(Number) })]);
    expectProblem(
      await call('POST', '/rules/backtest', { rules, apply: true, walletIds: [WALLET] }, ADMIN),
      400,
      '/problems/invalid-request',
    );
    // Dry runs wrote nothing.
    expect(await call('GET', `/wallets/${WALLET}/verify`)).toMatchObject({ body: { ok: true, events: 7 } });
  });

  it('applies a published rule set retroactively; applying it again appends nothing', async () => {
    const text = [
      'rules:',
      '  - event_type=="answer_is_liked", 250',
      '  - id: trade-volume',
      '    when: event_type == "trade" && data.qty >= 10',
      '    points: data.qty * 6',
      '',
    ].join('\n');
    const published = await fetch(`${runtime.url}/rules?source=e2e-retro.yaml`, {
      method: 'PUT',
      headers: ADMIN,
      body: text,
    });
    expect(published.status).toBe(201);
    const version = ((await published.json()) as { version: number }).version;
    expect(version).toBe(1);

    // First as a job over every wallet: only the amended trade differs (12 units: 72 instead of 60).
    const started = await call('POST', '/rules/backtest', { ruleSetVersion: version, apply: true }, ADMIN);
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const report = await untilDone(started.body.href as string);
    expect(report).toMatchObject({
      params: { ruleSetVersion: version, apply: true, dryRun: false },
      totals: {
        wallets: WALLETS.length,
        facts: 2,
        walletsWithDifference: 1,
        difference: 12,
        adjustmentsAppended: 1,
      },
    });
    // The adjustment, then the RulesApplied marking the wallet's facts as governed by the version.
    expect(await wallet(WALLET)).toMatchObject({ points: 72, version: 9 });

    // Then again, for the wallet at once: nothing left to adjust.
    const again = await call(
      'POST',
      '/rules/backtest',
      { ruleSetVersion: version, apply: true, walletIds: [WALLET, OTHER] },
      ADMIN,
    );
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body).toMatchObject({
      dryRun: false,
      ruleSet: { version },
      totals: { wallets: 2, difference: 0, walletsWithDifference: 0, adjustmentsAppended: 0 },
    });
    const verify = await call('GET', `/wallets/${WALLET}/verify`);
    expect(verify.body).toEqual({ walletId: WALLET, ok: true, lanes: 1, events: 9 });
    const trail = await auditTrail(WALLET);
    expect(trail.at(-1)).toMatchObject({
      type: 'RulesApplied',
      data: { ruleSetVersion: version, from: null, to: null },
    });
    expect(trail.at(-2)).toMatchObject({
      type: 'PointsAdjusted',
      data: {
        points: 12,
        factId: 'trade-77',
        ruleId: 'trade-volume',
        ruleSetVersion: version,
        cause: 'backtest',
      },
    });
    // The marker and the adjustment name the same application.
    expect(trail.at(-1)?.data.causeId).toBe(trail.at(-2)?.data.causeId);
    await runtime.whenProjected({ timeoutMs: 30_000 });
    expect(await wallet(WALLET)).toMatchObject({
      balance: 8000,
      points: 72,
      aboveThreshold: false,
      version: 9,
    });

    // A later correction of the fact is decided under the version applied to it: 15 units × 6 = 90.
    const amended = await correct({
      eventId: 'trade-77',
      action: 'amend',
      reason: 'the trade was 15 units',
      data: { data: { qty: 15, symbol: 'ACME' } },
    });
    expect(amended.status, JSON.stringify(amended.body)).toBe(201);
    expect(amended.body).toMatchObject({
      compensations: [{ points: 18, factId: 'trade-77', ruleId: 'trade-volume', ruleSetVersion: version }],
      before: { points: 72, version: 9 },
      after: { points: 90, version: 11 },
    });
    expect(await call('GET', `/wallets/${WALLET}/verify`)).toMatchObject({ body: { ok: true, events: 11 } });
  });
});
