import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../functions/local/runtime.ts';
import { startTestRuntime } from '../support/local.ts';

/**
 * `asOf` (effective time) and `knownAt` (record time) on the reads besides the wallet: the audit
 * trail, the awards, the movements and a card account, over HTTP against the local runtime. The
 * worked example's story, with real record times: a deposit that happened two hours ago; then a
 * liked answer an hour ago and a late deposit from three hours ago; then the first deposit voided.
 * Every answer is also checked against the OpenAPI document (startTestRuntime does that).
 */

const TOKEN = 'bitemporal-e2e-admin';
const ADMIN = { authorization: `Bearer ${TOKEN}` };
const WALLET = `bt-${randomUUID().slice(0, 8)}`;

let runtime: LocalRuntime;
const T0 = Date.now();
const ago = (minutes: number) => new Date(T0 - minutes * 60_000).toISOString();
/** Record times between the steps. */
let knownAfterFirst: string;
let knownBeforeVoid: string;

beforeAll(async () => {
  runtime = await startTestRuntime({ env: { TALLY_ADMIN_TOKEN: TOKEN } });
});

afterAll(async () => {
  await runtime?.stop();
  delete process.env.TALLY_ADMIN_TOKEN;
});

async function call(
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${runtime.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as Record<string, unknown> };
}

const event = (id: string, type: string, minutesAgo: number, data: Record<string, unknown>) => ({
  specversion: '1.0',
  id,
  source: 'bitemporal-e2e',
  type,
  subject: WALLET,
  time: ago(minutesAgo),
  datacontenttype: 'application/json',
  data,
});

async function sendEvents(events: unknown[]): Promise<void> {
  const sent = await call('POST', '/events', events);
  expect(sent.status, sent.text).toBe(202);
  await runtime.whenIngested({ timeoutMs: 15_000 });
}

/** A moment strictly between the last record and the next. */
async function recordTimeNow(): Promise<string> {
  await sleep(15);
  const now = new Date().toISOString();
  await sleep(15);
  return now;
}

/** Read as the admin: the audit trail then shows each event's idempotency key (its CloudEvent id). */
const listed = async (path: string) => {
  const answer = await call('GET', path, undefined, ADMIN);
  expect(answer.status, answer.text).toBe(200);
  return answer.body;
};
const eventIds = async (query: string) =>
  (
    (await listed(`/wallets/${WALLET}/events?${query}`)).events as { idempotencyKey: string; type: string }[]
  ).map((listedEvent) => `${listedEvent.type}:${listedEvent.idempotencyKey}`);
const awardPoints = async (query: string) =>
  ((await listed(`/wallets/${WALLET}/points?${query}`)).awards as { points: number }[]).map(
    (award) => award.points,
  );
const movements = async (query: string) =>
  (
    (await listed(`/wallets/${WALLET}/transactions?${query}`)).transactions as {
      kind: string;
      amount: unknown;
    }[]
  ).map((line) => `${line.kind}:${String(line.amount)}`);
const balance = async (query: string) => (await listed(`/wallets/${WALLET}?${query}`)).balance;

describe('bitemporal listings', () => {
  it('builds the story: a deposit, then a liked answer and a late deposit, then the first voided', async () => {
    await sendEvents([event('bt-d1', 'wallet.deposit', 120, { amount: '100.00' })]);
    knownAfterFirst = await recordTimeNow();
    await sendEvents([
      event('bt-like', 'answer_is_liked', 60, { answerId: 'a-1' }),
      event('bt-d2', 'wallet.deposit', 180, { amount: '50.00' }),
    ]);
    knownBeforeVoid = await recordTimeNow();
    const voided = await call(
      'POST',
      `/wallets/${WALLET}/corrections`,
      { eventId: 'bt-d1', action: 'void', reason: 'bounced' },
      ADMIN,
    );
    expect(voided.status, voided.text).toBe(201);
    expect(await balance('')).toBe(50);
  });

  it('knownAt: the events, awards and movements recorded by then', async () => {
    const k1 = `knownAt=${encodeURIComponent(knownAfterFirst)}`;
    expect(await eventIds(k1)).toEqual(['Deposited:bt-d1']);
    expect(await awardPoints(k1)).toEqual([]);
    expect(await movements(k1)).toEqual(['deposit:100']);
    expect(await balance(k1)).toBe(100);

    const k2 = `knownAt=${encodeURIComponent(knownBeforeVoid)}`;
    const known = await eventIds(k2);
    expect(known).toEqual(
      expect.arrayContaining(['Deposited:bt-d1', 'Deposited:bt-d2', 'FactRecorded:bt-like']),
    );
    expect(known.some((id) => id.startsWith('EventCorrected:'))).toBe(false);
    expect(await awardPoints(k2)).toEqual([250]);
    expect(await balance(k2)).toBe(150);
  });

  it('asOf: what had happened by then, as known now (the void takes effect with what it voids)', async () => {
    const early = `asOf=${encodeURIComponent(ago(150))}`;
    expect(await eventIds(early)).toEqual(['Deposited:bt-d2']);
    expect(await movements(early)).toEqual(['deposit:50']);
    expect(await balance(early)).toBe(50);

    const middle = `asOf=${encodeURIComponent(ago(90))}`;
    const trail = (await listed(`/wallets/${WALLET}/events?${middle}`)).events as {
      idempotencyKey: string;
      type: string;
      correctedBy?: string[];
    }[];
    expect(trail.map((listedEvent) => listedEvent.type).sort()).toEqual([
      'Deposited',
      'Deposited',
      'EventCorrected',
    ]);
    expect(trail.find((listedEvent) => listedEvent.idempotencyKey === 'bt-d1')?.correctedBy).toHaveLength(1);
    // The liked answer happened an hour ago: not yet at 90 minutes ago, counted half an hour ago.
    expect(await awardPoints(middle)).toEqual([]);
    expect(await awardPoints(`asOf=${encodeURIComponent(ago(30))}`)).toEqual([250]);
    expect(await balance(middle)).toBe(50);
  });

  it('both: at asOf as known at knownAt (the void not known yet)', async () => {
    const query = `asOf=${encodeURIComponent(ago(90))}&knownAt=${encodeURIComponent(knownBeforeVoid)}`;
    const trail = (await listed(`/wallets/${WALLET}/events?${query}`)).events as {
      idempotencyKey: string;
      correctedBy?: string[];
    }[];
    expect(trail.map((listedEvent) => listedEvent.idempotencyKey).sort()).toEqual(['bt-d1', 'bt-d2']);
    expect(trail.find((listedEvent) => listedEvent.idempotencyKey === 'bt-d1')?.correctedBy).toBeUndefined();
    expect((await movements(query)).sort()).toEqual(['deposit:100', 'deposit:50']);
    expect(await balance(query)).toBe(150);
  });

  it('pages a cut listing with the cursor it gives', async () => {
    const query = `knownAt=${encodeURIComponent(knownBeforeVoid)}`;
    const first = await listed(`/wallets/${WALLET}/events?${query}&limit=2`);
    expect(first.events).toHaveLength(2);
    expect(typeof first.nextCursor).toBe('string');
    const rest = await listed(`/wallets/${WALLET}/events?${query}&cursor=${String(first.nextCursor)}`);
    const all = [...(first.events as { eventId: string }[]), ...(rest.events as { eventId: string }[])];
    expect(all.map((listedEvent) => listedEvent.eventId)).toEqual(
      ((await listed(`/wallets/${WALLET}/events?${query}`)).events as { eventId: string }[]).map(
        (listedEvent) => listedEvent.eventId,
      ),
    );
  });

  it('answers 404 before the wallet existed and 400 to a cut it cannot read', async () => {
    for (const path of ['events', 'points', 'transactions']) {
      const before = await call('GET', `/wallets/${WALLET}/${path}?knownAt=2000-01-01T00:00:00Z`);
      expect(before.status, before.text).toBe(404);
      const version = await call('GET', `/wallets/${WALLET}/${path}?asOf=3`);
      expect(version.status).toBe(400);
      expect(version.body.type).toMatch(/\/problems\/invalid-as-of$/);
      const badKnownAt = await call('GET', `/wallets/${WALLET}/${path}?knownAt=yesterday`);
      expect(badKnownAt.body.type).toMatch(/\/problems\/invalid-known-at$/);
    }
  });
});

describe('a card account at a cut', () => {
  it('answers the balance and statement as they stood before an authorization', async () => {
    const account = `bt-acct-${randomUUID().slice(0, 8)}`;
    const opened = await call(
      'POST',
      '/accounts',
      { accountId: account, creditLimit: '1000.00', currency: 'EUR' },
      {
        'idempotency-key': randomUUID(),
      },
    );
    expect(opened.status, opened.text).toBe(201);
    const beforeAuthorization = await recordTimeNow();
    const approved = await call(
      'POST',
      `/accounts/${account}/authorizations`,
      { amount: 120.5, merchant: { id: 'm-42', name: 'Book Shop', mcc: '5942' } },
      { 'idempotency-key': randomUUID() },
    );
    expect(approved.status, approved.text).toBe(201);

    const cut = `knownAt=${encodeURIComponent(beforeAuthorization)}`;
    expect((await listed(`/accounts/${account}/balance?${cut}`)).pending).toBe(0);
    expect((await listed(`/accounts/${account}?${cut}`)).available).toBe(1000);
    expect((await listed(`/accounts/${account}/balance`)).pending).toBe(120.5);
    const statement = await listed(`/accounts/${account}/transactions?${cut}`);
    expect(JSON.stringify(statement)).not.toContain('authorization');
    expect((await call('GET', `/accounts/${account}/balance?knownAt=2000-01-01T00:00:00Z`)).status).toBe(404);
  });
});
