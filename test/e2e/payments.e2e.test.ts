import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../functions/cli/command.ts';
import { payCommand } from '../../functions/cli/pay.ts';
import type { LocalRuntime } from '../../functions/local/runtime.ts';
import { startTestRuntime } from '../support/local.ts';

/**
 * Buying points with cash and paying an order with points plus cash, end to end against the local
 * runtime and its sandbox provider: `npx tally pay` (the real CLI, another process) sends the
 * sandbox's signed webhook to the public webhook route, exactly as a provider would.
 */
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
let runtime: LocalRuntime;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'tally-pay-'));
  runtime = await startTestRuntime({ dataDir });
});

afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const unique = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;

async function call(method: string, route: string, body?: unknown, key: string = randomUUID()) {
  const response = await fetch(`${runtime.url}${route}`, {
    method,
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    text,
    body: JSON.parse(text) as Record<string, unknown>,
    headers: response.headers,
  };
}

/** `npx tally pay …` with the runtime's URL and data dir. */
function pay(outcome: 'succeed' | 'fail', paymentId: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      'npx',
      ['--offline', 'tally', 'pay', outcome, paymentId, '--url', runtime.url, '--json'],
      { cwd: REPO_ROOT, env: { ...process.env, TALLY_DATA_DIR: dataDir }, timeout: 60_000 },
      (error, stdout) => resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout }),
    );
  });
}

/** The same command in this process (the spawned one above proves the executable; this saves seconds). */
async function payHere(
  outcome: 'succeed' | 'fail' | 'refund',
  paymentId: string,
): Promise<{ code: number; stdout: string }> {
  const lines: string[] = [];
  const code = await runCommand('pay', payCommand, [outcome, paymentId, '--url', runtime.url, '--json'], {
    out: (text) => lines.push(text),
    err: (text) => lines.push(text),
    env: { TALLY_DATA_DIR: dataDir },
    cwd: REPO_ROOT,
    fetch,
  });
  return { code, stdout: lines.join('\n') };
}

type Position = { balance: number; held: number; available: number };
async function points(walletId: string): Promise<Position | undefined> {
  const response = await fetch(`${runtime.url}/wallets/${walletId}`);
  if (response.status === 404) return undefined;
  return ((await response.json()) as { assets: { points: Position } }).assets.points;
}

/** Waits for the read model (projected from the stream) to show `expected`. */
async function settledPoints(walletId: string, expected: Position): Promise<Position | undefined> {
  let seen: Position | undefined;
  for (let attempt = 0; attempt < 100; attempt++) {
    seen = await points(walletId);
    if (JSON.stringify(seen) === JSON.stringify(expected)) return seen;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return seen;
}

describe('buying points with cash', () => {
  it('credits the points only once the provider confirms, once however often it says so', {
    timeout: 120_000,
  }, async () => {
    const wallet = unique('buyer');
    const key = randomUUID();
    const created = await call('POST', '/payments', { wallet, points: 1000, currency: 'EUR' }, key);
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({
      wallet,
      purpose: 'points-purchase',
      status: 'pending',
      points: 1000,
      amount: { asset: 'money', amount: 10, currency: 'EUR' },
      provider: 'sandbox',
    });
    expect(created.body.clientSecret).toEqual(expect.stringMatching(/^pi_sandbox_/));
    const paymentId = created.body.paymentId as string;
    // The same key again: the same payment, nothing new.
    const again = await call('POST', '/payments', { wallet, points: 1000 }, key);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.paymentId).toBe(paymentId);

    // Pending: nothing credited.
    expect((await call('GET', `/payments/${paymentId}`)).body.status).toBe('pending');
    expect((await points(wallet))?.balance ?? 0).toBe(0);

    const first = await pay('succeed', paymentId);
    expect(first.code, first.stdout).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      redelivery: false,
      status: 200,
      answer: { status: 'succeeded' },
    });
    expect(await settledPoints(wallet, { balance: 1000, held: 0, available: 1000 })).toEqual({
      balance: 1000,
      held: 0,
      available: 1000,
    });

    // The provider re-sends the same event: answered, nothing credited again.
    const redelivered = await pay('succeed', paymentId);
    expect(JSON.parse(redelivered.stdout)).toMatchObject({ redelivery: true, status: 200 });
    const read = await call('GET', `/payments/${paymentId}`);
    expect(read.body).toMatchObject({ status: 'succeeded', points: 1000 });
    expect((read.body.history as { type: string }[]).map((event) => event.type)).toEqual([
      'PaymentRequested',
      'PaymentSucceeded',
    ]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await points(wallet))?.balance).toBe(1000);
    const trail = await call('GET', `/wallets/${wallet}/transactions`);
    expect((trail.body.transactions as { kind: string }[] | undefined)?.map((line) => line.kind)).toEqual([
      'purchase',
    ]);
  });

  it('credits nothing for a failed payment, and refuses an unsigned or forged webhook with 401', {
    timeout: 60_000,
  }, async () => {
    const wallet = unique('buyer');
    const created = await call('POST', '/payments', { wallet, points: 250 });
    expect(created.status, created.text).toBe(201);
    const paymentId = created.body.paymentId as string;
    const forged = await fetch(`${runtime.url}/payments/webhook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'tally-signature': `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}`,
      },
      body: JSON.stringify({ id: 'evt_forged', type: 'payment_intent.succeeded' }),
    });
    expect(forged.status).toBe(401);
    expect(forged.headers.get('content-type')).toContain('application/problem+json');
    const unsigned = await fetch(`${runtime.url}/payments/webhook`, { method: 'POST', body: '{}' });
    expect(unsigned.status).toBe(401);

    const failed = await payHere('fail', paymentId);
    expect(failed.code, failed.stdout).toBe(0);
    expect((await call('GET', `/payments/${paymentId}`)).body.status).toBe('failed');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await points(wallet))?.balance ?? 0).toBe(0);
    // As at Stripe, a failed attempt is not final: the buyer pays with another card. The points
    // arrive then, once, however often the provider sends the success.
    const paid = await payHere('succeed', paymentId);
    expect(paid.code, paid.stdout).toBe(0);
    expect((await payHere('succeed', paymentId)).code).toBe(0);
    expect((await call('GET', `/payments/${paymentId}`)).body.status).toBe('succeeded');
    expect(await settledPoints(wallet, { balance: 250, held: 0, available: 250 })).toEqual({
      balance: 250,
      held: 0,
      available: 250,
    });
  });
});

describe('paying an order with points plus cash', () => {
  /** A buyer with 1,000 points, bought through the sandbox. */
  async function buyerWithPoints(): Promise<string> {
    const wallet = unique('shopper');
    const created = await call('POST', '/payments', { wallet, points: 1000 });
    expect((await payHere('succeed', created.body.paymentId as string)).code).toBe(0);
    await settledPoints(wallet, { balance: 1000, held: 0, available: 1000 });
    return wallet;
  }

  it('holds the points, captures them to the merchant when the cash is paid', {
    timeout: 60_000,
  }, async () => {
    const [wallet, merchant] = [await buyerWithPoints(), unique('merchant')];
    const order = await call('POST', '/orders', { wallet, merchant, amount: '12.00', points: 500 });
    expect(order.status, order.text).toBe(201);
    expect(order.body).toMatchObject({
      wallet,
      merchant,
      status: 'pending',
      points: 500,
      amount: { amount: 12 },
      pointsValue: { amount: 5 },
      cash: { asset: 'money', amount: 7, currency: 'EUR' },
    });
    const orderId = order.body.orderId as string;
    expect(await settledPoints(wallet, { balance: 1000, held: 500, available: 500 })).toEqual({
      balance: 1000,
      held: 500,
      available: 500,
    });
    expect((await payHere('succeed', orderId)).code).toBe(0);
    expect((await call('GET', `/orders/${orderId}`)).body).toMatchObject({
      status: 'paid',
      paymentStatus: 'succeeded',
    });
    expect(await settledPoints(wallet, { balance: 500, held: 0, available: 500 })).toEqual({
      balance: 500,
      held: 0,
      available: 500,
    });
    expect(await settledPoints(merchant, { balance: 500, held: 0, available: 500 })).toEqual({
      balance: 500,
      held: 0,
      available: 500,
    });
    // Re-delivered: the merchant is not paid twice.
    expect((await payHere('succeed', orderId)).code).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await points(merchant))?.balance).toBe(500);
  });

  it('releases the points when the cash fails, and refuses an order the points cannot cover', {
    timeout: 60_000,
  }, async () => {
    const [wallet, merchant] = [await buyerWithPoints(), unique('merchant')];
    const short = await call('POST', '/orders', { wallet, merchant, amount: 50, points: 1001 });
    expect(short.status, short.text).toBe(409);
    expect(short.body.type).toMatch(/\/insufficient-funds$/);
    const order = await call('POST', '/orders', { wallet, merchant, amount: 20, points: 800 });
    expect(order.status, order.text).toBe(201);
    const orderId = order.body.orderId as string;
    expect((await payHere('fail', orderId)).code).toBe(0);
    expect((await call('GET', `/orders/${orderId}`)).body).toMatchObject({ status: 'failed' });
    expect(await settledPoints(wallet, { balance: 1000, held: 0, available: 1000 })).toEqual({
      balance: 1000,
      held: 0,
      available: 1000,
    });
    // Its points are released, so Tally cancelled the intent: the buyer cannot pay it afterwards
    // (a failed attempt alone is not final at the provider).
    const late = await payHere('succeed', orderId);
    expect(late.code, late.stdout).not.toBe(0);
    expect(late.stdout).toContain('already canceled');
    expect(await points(merchant)).toBeUndefined();
  });
});

describe("a wallet's payments and orders as routes", () => {
  it('lists them newest first, a page at a time, with their state now', { timeout: 60_000 }, async () => {
    const wallet = unique('lister');
    const ids: string[] = [];
    for (const points of [100, 200, 300]) {
      const created = await call('POST', '/payments', { wallet, points });
      expect(created.status, created.text).toBe(201);
      ids.push(created.body.paymentId as string);
      await new Promise((resolve) => setTimeout(resolve, 5)); // distinct creation times
    }
    expect((await payHere('succeed', ids[0] as string)).code).toBe(0);
    expect((await payHere('fail', ids[1] as string)).code).toBe(0);
    const order = await call('POST', '/orders', { wallet, merchant: 'm1', amount: '3.00', points: 50 });
    expect(order.status, order.text).toBe(201);

    const first = await call('GET', `/wallets/${wallet}/payments?limit=2`);
    expect(first.status, first.text).toBe(200);
    const lines = first.body.payments as { paymentId: string; status: string; updatedAt: string }[];
    expect(lines.map((line) => [line.paymentId, line.status])).toEqual([
      [ids[2], 'pending'],
      [ids[1], 'failed'],
    ]);
    const rest = await call(
      'GET',
      `/wallets/${wallet}/payments?limit=2&cursor=${first.body.nextCursor as string}`,
    );
    expect(
      (rest.body.payments as { paymentId: string; status: string }[]).map((line) => line.status),
    ).toEqual(['succeeded']);
    expect(rest.body.nextCursor).toBeNull();

    const orders = await call('GET', `/wallets/${wallet}/orders`);
    expect(orders.status, orders.text).toBe(200);
    expect(orders.body.orders).toEqual([
      expect.objectContaining({ orderId: order.body.orderId, status: 'pending', points: 50 }),
    ]);
    const wrongCursor = await call(
      'GET',
      `/wallets/${wallet}/orders?cursor=${first.body.nextCursor as string}`,
    );
    expect(wrongCursor.status).toBe(400);
    expect((await call('GET', `/wallets/${unique('nobody')}/payments`)).body.payments).toEqual([]);
  });
});

describe('refunds', () => {
  /** A wallet with 1,000 points bought for 10.00 through the sandbox, and that payment's id. */
  async function purchase(): Promise<{ wallet: string; paymentId: string }> {
    const wallet = unique('refunder');
    const created = await call('POST', '/payments', { wallet, points: 1000 });
    const paymentId = created.body.paymentId as string;
    expect((await payHere('succeed', paymentId)).code).toBe(0);
    await settledPoints(wallet, { balance: 1000, held: 0, available: 1000 });
    return { wallet, paymentId };
  }

  it('POST /payments/{id}/refund gives the cash back and takes the points back, once', {
    timeout: 60_000,
  }, async () => {
    const { wallet, paymentId } = await purchase();
    const key = randomUUID();
    const refunded = await call('POST', `/payments/${paymentId}/refund`, undefined, key);
    expect(refunded.status, refunded.text).toBe(200);
    expect(refunded.body).toMatchObject({
      paymentId,
      status: 'succeeded',
      refunded: { amount: { asset: 'money', amount: 10, currency: 'EUR' }, points: 1000 },
    });
    const again = await call('POST', `/payments/${paymentId}/refund`, undefined, key);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await settledPoints(wallet, { balance: 0, held: 0, available: 0 })).toEqual({
      balance: 0,
      held: 0,
      available: 0,
    });
    const listed = await call('GET', `/wallets/${wallet}/payments`);
    expect(listed.body.payments).toEqual([
      expect.objectContaining({ paymentId, refunded: refunded.body.refunded }),
    ]);
    const trail = await call('GET', `/wallets/${wallet}/transactions`);
    expect((trail.body.transactions as { kind: string }[]).map((line) => line.kind)).toEqual([
      'refund',
      'purchase',
    ]);
  });

  it("refuses while the points are held (409 naming the shortfall); the provider's refund applies once they are back", {
    timeout: 60_000,
  }, async () => {
    const { wallet, paymentId } = await purchase();
    const order = await call('POST', '/orders', { wallet, merchant: unique('m'), amount: 20, points: 400 });
    expect(order.status, order.text).toBe(201);
    const refused = await call('POST', `/payments/${paymentId}/refund`);
    expect(refused.status, refused.text).toBe(409);
    expect(refused.body.type).toMatch(/\/correction-below-floor$/);
    expect(refused.body.detail).toContain('400 below its floor 0');
    // The refund made at the provider (tally pay refund): refused too, nothing taken back.
    const early = await payHere('refund', paymentId);
    expect(early.code, early.stdout).not.toBe(0);
    expect(JSON.parse(early.stdout)).toMatchObject({ status: 409 });
    expect((await points(wallet))?.balance).toBe(1000);
    // The order's cash fails, its points are released; the provider re-sends its refund: applied.
    expect((await payHere('fail', order.body.orderId as string)).code).toBe(0);
    const late = await payHere('refund', paymentId);
    expect(late.code, late.stdout).toBe(0);
    expect(JSON.parse(late.stdout)).toMatchObject({ redelivery: true, status: 200 });
    expect((await payHere('refund', paymentId)).code).toBe(0); // again: nothing more
    expect(await settledPoints(wallet, { balance: 0, held: 0, available: 0 })).toEqual({
      balance: 0,
      held: 0,
      available: 0,
    });
    const read = await call('GET', `/payments/${paymentId}`);
    expect(read.body.refunded).toEqual({
      amount: { asset: 'money', amount: 10, currency: 'EUR' },
      points: 1000,
    });
  });
});
