import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../functions/local/runtime.ts';
import { startTestRuntime } from '../support/local.ts';

/**
 * The book and the expiry sweep end to end, against the local runtime with its sweep timer ticking
 * fast: an offer that expires is swept without a request (its points available again, its hold
 * ended by an event), and `GET /offers` lists only open offers.
 */
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime({ schedules: { everyMs: 250 } });
});

afterAll(async () => {
  await runtime?.stop();
});

const unique = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${runtime.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as Record<string, unknown> };
}

type Assets = Record<string, { balance: number; held: number; available: number }>;
async function points(walletId: string) {
  const response = await fetch(`${runtime.url}/wallets/${walletId}`);
  if (response.status !== 200) return undefined;
  return ((await response.json()) as { assets: Assets }).assets.points;
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await sleep(100);
    value = await read();
  }
  return value;
}

const listed = async (status = 'open') =>
  (
    (await call('GET', `/offers?asset=points&status=${status}&limit=200`)).body.offers as {
      offerId: string;
    }[]
  ).map((offer) => offer.offerId);

describe('offer expiry and the book', () => {
  it('sweeps an expired offer on the runtime’s timer: points available again, listed as expired, gone from the open book', async () => {
    const seller = unique('seller');
    const liked = await fetch(`${runtime.url}/events`, {
      method: 'POST',
      body: JSON.stringify({
        specversion: '1.0',
        id: randomUUID(),
        source: 'qa',
        type: 'answer_is_liked',
        subject: seller,
      }),
    });
    expect(liked.status).toBeLessThan(300);
    expect(
      (
        await until(
          () => points(seller),
          (held) => held?.balance === 250,
        )
      )?.balance,
    ).toBe(250);

    const offer = (amount: number, price: number, expiresInSeconds: number) =>
      call('POST', '/offers', {
        seller,
        asset: 'points',
        amount,
        price: { asset: 'money', amount: price },
        expiresInSeconds,
      });
    const short = await offer(100, 1.0, 5);
    const long = await offer(50, 2.0, 3600);
    const other = await offer(20, 0.1, 3600);
    expect([short.status, long.status, other.status]).toEqual([201, 201, 201]);
    const [shortId, longId, otherId] = [
      short.body.offerId,
      long.body.offerId,
      other.body.offerId,
    ] as string[];
    const open = await listed();
    // Best price per point first: 0.005, then 0.01, then 0.04 per point.
    expect(open.filter((id) => [shortId, longId, otherId].includes(id as string))).toEqual([
      otherId,
      shortId,
      longId,
    ]);

    // No request touches the seller: the sweep alone ends the hold, and the projector shows it.
    // Reads show an expired hold as released at once (before the sweep): wait for the sweep by the
    // offer's history (the HoldReleased it records), then check both.
    const expired = await until(
      () => call('GET', `/offers/${shortId}`),
      (offer) => (offer.body.history as { type: string }[]).some((event) => event.type === 'HoldReleased'),
    );
    const after = await points(seller);
    expect(after).toEqual({ balance: 250, held: 70, available: 180 });
    expect(expired.body.status).toBe('expired');
    expect((expired.body.history as { type: string }[]).map((event) => event.type)).toEqual([
      'HoldPlaced',
      'HoldReleased',
    ]);
    expect(await listed('expired')).toContain(shortId);
    expect(await listed()).not.toContain(shortId);

    // A cancelled offer leaves the open book in the transaction that closes it.
    expect((await call('POST', `/offers/${otherId}/cancel`)).status).toBe(200);
    const stillOpen = await listed();
    expect(stillOpen).toContain(longId);
    expect(stillOpen).not.toContain(otherId);
    expect(await listed('cancelled')).toContain(otherId);
  });

  it('answers a bad listing query with a 400 problem', async () => {
    const response = await fetch(`${runtime.url}/offers?status=sold`);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(((await response.json()) as { type: string }).type).toMatch(/\/invalid-status$/);
  });
});
