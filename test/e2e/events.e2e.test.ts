import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoReadModelStore } from '../../functions/adapters/dynamodb/read-models.ts';
import type { LocalRuntime } from '../../functions/local/runtime.ts';
import { startTestRuntime, testDocumentClient } from '../support/local.ts';

/**
 * CloudEvents end to end: real HTTP (fetch) to POST /events on the local runtime, through the local
 * SQS queue and its poller into the ingest handler, DynamoDB Local, the stream projector, and back
 * out through GET /details and GET /wallets/{id}.
 */
let runtime: LocalRuntime;
let readModels: DynamoReadModelStore;

beforeAll(async () => {
  runtime = await startTestRuntime();
  readModels = new DynamoReadModelStore(testDocumentClient(), runtime.tableName);
});

afterAll(async () => {
  await runtime?.stop();
});

let eventCount = 0;

const cloudEvent = (
  subject: string,
  type: string,
  data: unknown,
  time?: string,
): Record<string, unknown> => ({
  specversion: '1.0',
  id: `e2e-${++eventCount}`,
  source: 'e2e',
  type,
  subject,
  ...(time === undefined ? {} : { time }),
  datacontenttype: 'application/json',
  data,
});

const deposit = (walletId: string, amount: string, time: string) =>
  cloudEvent(walletId, 'wallet.deposit', { amount }, time);

/** POSTs the events as curl would (`curl -d @events.json`), expects 202 and waits until they are ingested. */
async function publish(events: Record<string, unknown> | Record<string, unknown>[]): Promise<unknown> {
  const response = await fetch(`${runtime.url}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: JSON.stringify(events),
  });
  const body = await response.text();
  expect(response.status, body).toBe(202);
  await runtime.whenIngested();
  return JSON.parse(body);
}

async function details(walletId: string): Promise<string> {
  const response = await fetch(`${runtime.url}/details/${encodeURIComponent(walletId)}`);
  return response.text();
}

const at = (baseIso: string, offsetMs: number): string =>
  new Date(Date.parse(baseIso) + offsetMs).toISOString();
const T = '2026-11-22T10:00:00.000Z';

describe('POST /events → points', () => {
  it('turns answer_is_liked into 250 points, visible in the projected view and GET /wallets/{id}', async () => {
    const answer = await publish(cloudEvent('liked-wallet', 'answer_is_liked', { answerId: 'a-1' }));
    expect(answer).toEqual({
      accepted: 1,
      ids: [expect.stringMatching(/^e2e-/)],
      results: [{ index: 0, id: expect.stringMatching(/^e2e-/), status: 'queued' }],
    });

    await runtime.whenProjected();
    const view = await readModels.getView('liked-wallet');
    expect(view?.points).toBe(250n);
    expect(view?.awardCount).toBe(1);

    const wallet = await fetch(`${runtime.url}/wallets/liked-wallet`);
    expect(wallet.status).toBe(200);
    expect(await wallet.json()).toMatchObject({ walletId: 'liked-wallet', balance: 0, points: 250 });
  });

  it('counts a repeated event once, and refuses invalid ones with a reason per index', async () => {
    const liked = cloudEvent('liked-twice', 'answer_is_liked', { answerId: 'a-2' });
    await publish([liked, liked]);
    await publish(liked);
    await runtime.whenProjected();
    expect((await readModels.getView('liked-twice'))?.points).toBe(250n);

    const refused = await fetch(`${runtime.url}/events`, {
      method: 'POST',
      body: JSON.stringify([liked, { ...liked, id: 'e2e-bad', subject: 'not a wallet' }]),
    });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(((await refused.json()) as { detail: string }).detail).toContain(
      '[1] subject: does not match the wallet id rule',
    );
  });
});

describe('wallet.deposit over the bus: the AboveThreshold window uses the event time', () => {
  it('8000 at T and 2000.01 at T+119.999 s → AboveThreshold true', async () => {
    await publish([deposit('win-inside', '8000', T), deposit('win-inside', '2000.01', at(T, 119_999))]);
    expect(await details('win-inside')).toBe(
      '{"WalletID":"win-inside","Balance":10000.01,"AboveThreshold":true}',
    );
  });

  it('8000 at T and 2000.01 at T+120 s exactly → false (the window is (t − 2 min, t])', async () => {
    await publish([deposit('win-edge', '8000', T), deposit('win-edge', '2000.01', at(T, 120_000))]);
    expect(await details('win-edge')).toBe(
      '{"WalletID":"win-edge","Balance":10000.01,"AboveThreshold":false}',
    );
  });

  it('gives the same answers when the later deposit arrives first', async () => {
    await publish(deposit('late-first-inside', '2000.01', at(T, 119_999)));
    await publish(deposit('late-first-inside', '8000', T));
    expect(await details('late-first-inside')).toBe(
      '{"WalletID":"late-first-inside","Balance":10000.01,"AboveThreshold":true}',
    );

    await publish(deposit('late-first-edge', '2000.01', at(T, 120_000)));
    await publish(deposit('late-first-edge', '8000', T));
    expect(await details('late-first-edge')).toBe(
      '{"WalletID":"late-first-edge","Balance":10000.01,"AboveThreshold":false}',
    );
  });

  it('handles a late arrival (older than 2 minutes before the newest) exactly', async () => {
    // Newest first at T+10 min; then a deposit from T+60 s arrives: with the 8000 at T it breaches.
    await publish([deposit('late-breach', '8000', T), deposit('late-breach', '5000', at(T, 600_000))]);
    expect(await details('late-breach')).toBe(
      '{"WalletID":"late-breach","Balance":13000,"AboveThreshold":false}',
    );
    await publish(deposit('late-breach', '2000.01', at(T, 60_000)));
    expect(await details('late-breach')).toBe(
      '{"WalletID":"late-breach","Balance":15000.01,"AboveThreshold":true}',
    );

    // A late deposit exactly 2 minutes before the 8000 shares no window with it: still false.
    await publish([deposit('late-apart', '8000', T), deposit('late-apart', '5000', at(T, 600_000))]);
    await publish(deposit('late-apart', '2000.01', at(T, -120_000)));
    expect(await details('late-apart')).toBe(
      '{"WalletID":"late-apart","Balance":15000.01,"AboveThreshold":false}',
    );

    // The projector's stored view agrees with what GET /details computed.
    await runtime.whenProjected();
    expect(await readModels.getView('late-breach')).toMatchObject({
      balanceMinor: 1_500_001n,
      depositCount: 3,
    });
  });
});
