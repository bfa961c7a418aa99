import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoReadModelStore } from '../../functions/adapters/dynamodb/read-models.ts';
import type { LocalRuntime } from '../../functions/local/runtime.ts';
import { startTestRuntime, testDocumentClient } from '../support/local.ts';

/**
 * The wallet service end to end: real HTTP (fetch) against the local runtime — the same handlers
 * API Gateway calls, DynamoDB Local, and the stream poller feeding the projector.
 */
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime();
});

afterAll(async () => {
  await runtime?.stop();
});

/** What `curl -X POST -d '…'` sends: the body as is, with curl's default form content type. */
const FORM = 'application/x-www-form-urlencoded';

function post(body: string, headers: Record<string, string> = {}, path = '/deposit'): Promise<Response> {
  return fetch(`${runtime.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': FORM, ...headers },
    body,
  });
}

const deposit = (walletId: string, amount: string, headers: Record<string, string> = {}): Promise<Response> =>
  post(`{"WalletID": ${JSON.stringify(walletId)}, "Amount": ${amount}}`, headers);

async function depositOk(walletId: string, amount: string): Promise<void> {
  const response = await deposit(walletId, amount);
  expect(response.status, await response.clone().text()).toBe(201);
}

async function details(walletId: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${runtime.url}/details/${encodeURIComponent(walletId)}`);
  return { status: response.status, text: await response.text() };
}

describe('the seed session', () => {
  it('POST /deposit as curl sends it, then GET /details answers the original JSON byte for byte', async () => {
    const created = await post('{"WalletID": "walletID001", "Amount": 8000}');
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toBe('application/json');

    const read = await fetch(`${runtime.url}/details/walletID001`);
    expect(read.status).toBe(200);
    expect(read.headers.get('content-type')).toBe('application/json');
    expect(await read.text()).toBe('{"WalletID":"walletID001","Balance":8000,"AboveThreshold":false}');
  });
});

describe('money and the threshold', () => {
  it('deposits 0.1 and 0.2 to a balance of exactly 0.3', async () => {
    await depositOk('exact-0.3', '0.1');
    await depositOk('exact-0.3', '0.2');
    expect(await details('exact-0.3')).toEqual({
      status: 200,
      text: '{"WalletID":"exact-0.3","Balance":0.3,"AboveThreshold":false}',
    });
  });

  it('flags a wallet above 10,000 within the window: 8000 + 2000.01 → true', async () => {
    await depositOk('thr-over', '8000');
    await depositOk('thr-over', '2000.01');
    expect((await details('thr-over')).text).toBe(
      '{"WalletID":"thr-over","Balance":10000.01,"AboveThreshold":true}',
    );
  });

  it('does not flag exactly 10,000 (strictly greater): 8000 + 2000 → false', async () => {
    await depositOk('thr-equal', '8000');
    await depositOk('thr-equal', '2000');
    expect((await details('thr-equal')).text).toBe(
      '{"WalletID":"thr-equal","Balance":10000,"AboveThreshold":false}',
    );
  });
});

describe('Idempotency-Key', () => {
  it('replays the same key and payload: same status and body, Idempotent-Replayed, counted once', async () => {
    const key = { 'idempotency-key': 'e2e-replay-1' };
    const first = await deposit('idem-replay', '12.5', key);
    const second = await deposit('idem-replay', '12.5', key);
    expect(first.status).toBe(201);
    expect(second.status).toBe(first.status);
    expect(await second.text()).toBe(await first.text());
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect((await details('idem-replay')).text).toBe(
      '{"WalletID":"idem-replay","Balance":12.5,"AboveThreshold":false}',
    );
  });

  it('refuses the same key with another payload (422 problem) and changes nothing', async () => {
    const key = { 'idempotency-key': 'e2e-reuse-1' };
    expect((await deposit('idem-reuse', '10', key)).status).toBe(201);
    const reused = await deposit('idem-reuse', '11', key);
    expect(reused.status).toBe(422);
    expect(reused.headers.get('content-type')).toBe('application/problem+json');
    expect(((await reused.json()) as { detail?: unknown }).detail).toEqual(expect.any(String));
    expect((await details('idem-reuse')).text).toBe(
      '{"WalletID":"idem-reuse","Balance":10,"AboveThreshold":false}',
    );
  });

  it('answers 20 concurrent requests with one key identically and records the deposit once', async () => {
    const key = { 'idempotency-key': 'e2e-concurrent-1' };
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => deposit('idem-concurrent', '7.77', key)),
    );
    const results = await Promise.all(
      responses.map(async (response) => ({ status: response.status, body: await response.text() })),
    );
    expect(results.map((result) => result.status)).toEqual(Array(20).fill(201));
    expect(new Set(results.map((result) => result.body)).size).toBe(1);
    expect((await details('idem-concurrent')).text).toBe(
      '{"WalletID":"idem-concurrent","Balance":7.77,"AboveThreshold":false}',
    );
  });
});

describe('bad input gets a clear 4xx problem and changes nothing', () => {
  const TARGET = 'bad-input-target';
  const body = (fields: string) => `{${fields}}`;
  const target = `"WalletID": "${TARGET}"`;

  interface Case {
    name: string;
    status: number;
    send: () => Promise<Response>;
  }
  const cases: Case[] = [
    { name: 'malformed JSON', status: 400, send: () => post(`{${target}, "Amount": `) },
    { name: 'empty body', status: 400, send: () => post('') },
    { name: 'array body', status: 400, send: () => post(`[{${target}, "Amount": 5}]`) },
    { name: 'missing WalletID', status: 400, send: () => post(body('"Amount": 5')) },
    { name: 'missing Amount', status: 400, send: () => post(body(target)) },
    { name: 'unknown field', status: 400, send: () => post(body(`${target}, "Amount": 5, "Note": "x"`)) },
    { name: 'Amount 0', status: 400, send: () => deposit(TARGET, '0') },
    { name: 'Amount -5', status: 400, send: () => deposit(TARGET, '-5') },
    { name: 'Amount 1.234 (more than 2 decimals)', status: 400, send: () => deposit(TARGET, '1.234') },
    { name: 'Amount "abc"', status: 400, send: () => deposit(TARGET, '"abc"') },
    { name: 'Amount 1e13 (too large)', status: 400, send: () => deposit(TARGET, '1e13') },
    { name: 'Amount true', status: 400, send: () => deposit(TARGET, 'true') },
    { name: 'Amount null', status: 400, send: () => deposit(TARGET, 'null') },
    { name: 'WalletID ""', status: 400, send: () => deposit('', '5') },
    { name: 'WalletID with a space', status: 400, send: () => deposit('bad id', '5') },
    { name: 'WalletID of 129 characters', status: 400, send: () => deposit('w'.repeat(129), '5') },
    { name: 'WalletID starting with "-"', status: 400, send: () => deposit('-leading', '5') },
    {
      name: 'Idempotency-Key not ASCII',
      status: 400,
      send: () => deposit(TARGET, '5', { 'idempotency-key': 'clé-été' }),
    },
    {
      name: 'Idempotency-Key of 300 characters',
      status: 400,
      send: () => deposit(TARGET, '5', { 'idempotency-key': 'k'.repeat(300) }),
    },
    {
      name: 'body over 1 MB',
      status: 413,
      send: () => post(body(`${target}, "Amount": 5, "Pad": "${'x'.repeat(1_100_000)}"`)),
    },
    { name: 'unknown route', status: 404, send: () => post(body(`${target}, "Amount": 5`), {}, '/deposits') },
    { name: 'wrong method', status: 405, send: () => fetch(`${runtime.url}/deposit`) },
    {
      name: 'GET /details of an unknown wallet',
      status: 404,
      send: () => fetch(`${runtime.url}/details/nobody-here`),
    },
    { name: 'GET /details/bad%20id', status: 400, send: () => fetch(`${runtime.url}/details/bad%20id`) },
  ];

  beforeAll(async () => {
    await depositOk(TARGET, '100');
  });

  it.each(cases)('$name → $status', async ({ status, send }) => {
    const response = await send();
    const text = await response.text();
    expect(response.status, text).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const problem = JSON.parse(text) as Record<string, unknown>;
    expect(problem.status).toBe(status);
    expect(problem.title).toEqual(expect.any(String));
    expect(problem.type).toEqual(expect.any(String));
    expect(problem.detail).toEqual(expect.stringMatching(/\S/));
  });

  it('left the target wallet as it was', async () => {
    expect((await details(TARGET)).text).toBe(
      `{"WalletID":"${TARGET}","Balance":100,"AboveThreshold":false}`,
    );
  });
});

describe('operations', () => {
  it('GET /health answers 200', async () => {
    const response = await fetch(`${runtime.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('the projector’s stored view converges to the balance of the deposits', async () => {
    for (const amount of ['1', '2.5', '300.25']) await depositOk('view-converges', amount);
    const readModels = new DynamoReadModelStore(testDocumentClient(), runtime.tableName);
    await expect
      .poll(async () => (await readModels.getView('view-converges'))?.balanceMinor, { timeout: 5_000 })
      .toBe(30_375n);
    await runtime.whenProjected();
    const view = await readModels.getView('view-converges');
    expect(view?.depositCount).toBe(3);
    expect(view?.balanceMinor).toBe(30_375n);
  });
});
