import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../functions/local/runtime.ts';
import { startTestRuntime } from '../support/local.ts';

/**
 * Card accounts from the bus and to the bus: accounts opened, limits changed and payments applied
 * by CloudEvents (POST /events → the events queue → ingest), each once per id; and every decision
 * published through the stream outbox with the same JSON the API answered.
 */
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime();
});

afterAll(async () => {
  await runtime?.stop();
});

const account = `bus-${randomUUID().slice(0, 8)}`;

async function send(...events: { id: string; type: string; data: unknown }[]) {
  const response = await fetch(`${runtime.url}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(
      events.map((event) => ({ specversion: '1.0', source: 'accounts', subject: account, ...event })),
    ),
  });
  expect(response.status, await response.clone().text()).toBe(202);
  await runtime.whenIngested();
}

const balance = async () =>
  (await (await fetch(`${runtime.url}/accounts/${account}/balance`)).json()) as Record<string, unknown>;

/** CloudEvents served by `GET /events/stream?from-start=1` until `quietMs` pass without one. */
async function published(quietMs = 1_500): Promise<{ id: string; type: string; data: unknown }[]> {
  const controller = new AbortController();
  const response = await fetch(`${runtime.url}/events/stream?from-start=1`, { signal: controller.signal });
  const reader = response.body?.getReader();
  if (reader === undefined) throw new Error('no body');
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const timer = setTimeout(() => controller.abort(), quietMs);
    const chunk = await reader.read().catch(() => ({ done: true, value: undefined }));
    clearTimeout(timer);
    if (chunk.done) break;
    text += decoder.decode(chunk.value, { stream: true });
  }
  return text
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => JSON.parse(line.slice(6)));
}

describe('card accounts over the bus', () => {
  it('opens, pays, parks a return until its payment arrives, changes the limit; each id once', async () => {
    const opened = {
      id: randomUUID(),
      type: 'account.opened',
      data: { creditLimit: 1000.0, currency: 'EUR' },
    };
    await send(opened, opened);
    expect(await balance()).toMatchObject({ creditLimit: 1000, balance: 0, available: 1000, version: 1 });

    // The return arrives first: parked, nothing moves.
    await send({
      id: randomUUID(),
      type: 'payment.returned',
      data: { paymentId: 'p1', reason: 'insufficient funds' },
    });
    expect(await balance()).toMatchObject({ balance: 0, available: 1000 });
    await send({ id: randomUUID(), type: 'payment.submitted', data: { paymentId: 'p1', amount: 300 } });
    // Paid and returned at once: owed is back where it was.
    expect(await balance()).toMatchObject({ balance: 0, available: 1000, version: 4 });

    await send({ id: randomUUID(), type: 'account.credit_limit_changed', data: { creditLimit: 1500 } });
    expect(await balance()).toMatchObject({ creditLimit: 1500, available: 1500 });
    // A second return of the same payment and an unknown account event change nothing (DLQ).
    await send(
      { id: randomUUID(), type: 'payment.returned', data: { paymentId: 'p1', reason: 'again' } },
      { id: randomUUID(), type: 'account.closed', data: {} },
    );
    expect(await balance()).toMatchObject({ version: 5 });
  }, 60_000);

  it('publishes authorization.decided with the JSON the API answered, under the stored event id', async () => {
    const answer = await fetch(`${runtime.url}/accounts/${account}/authorizations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ amount: 12.5, merchant: { id: 'm-1', mcc: '5942' } }),
    });
    expect(answer.status).toBe(201);
    const text = await answer.text();
    const decided = (await published()).filter((event) => event.type === 'tally.authorization.decided');
    expect(decided).toHaveLength(1);
    expect(JSON.stringify(decided[0]?.data)).toBe(text);
    const events = (await (await fetch(`${runtime.url}/wallets/${account}/events`)).json()) as {
      events: { eventId: string; type: string }[];
    };
    const stored = events.events.find((event) => event.type === 'AuthorizationDecided');
    expect(decided[0]?.id).toBe(stored?.eventId);
  }, 60_000);
});
