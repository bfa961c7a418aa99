import { CloudEvent, emitterFor, HTTP, httpTransport, Mode } from 'cloudevents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../functions/local/runtime.ts';
import { startTestRuntime } from '../support/local.ts';

/**
 * The official `cloudevents` SDK as the client of POST /events, in each HTTP mode, over real HTTP
 * to the local runtime (queue, ingest, DynamoDB Local, projector): every event lands exactly once,
 * however often it is sent and in whichever mode.
 */
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime();
});

afterAll(async () => {
  await runtime?.stop();
});

const deposit = (id: string, walletId: string, amount: string) =>
  new CloudEvent({
    specversion: '1.0',
    id,
    source: 'sdk-e2e',
    type: 'wallet.deposit',
    subject: walletId,
    time: '2026-11-22T10:00:00Z',
    datacontenttype: 'application/json',
    data: { amount },
  });

async function balance(walletId: string): Promise<unknown> {
  await runtime.whenIngested();
  const response = await fetch(`${runtime.url}/details/${walletId}`);
  return ((await response.json()) as { Balance?: unknown }).Balance;
}

async function send(message: { headers: Record<string, unknown>; body: unknown }): Promise<Response> {
  return fetch(`${runtime.url}/events`, {
    method: 'POST',
    headers: message.headers as Record<string, string>,
    body: String(message.body),
  });
}

describe('the cloudevents SDK as the client', () => {
  it('binary mode (its default emitter): lands once, sent twice', async () => {
    const emit = emitterFor(httpTransport(`${runtime.url}/events`));
    const event = deposit('sdk-bin-1', 'sdk-binary', '10.50');
    await emit(event);
    await emit(event);
    expect(await balance('sdk-binary')).toBe(10.5);
  });

  it('binary mode refuses what the SDK would never send, and nothing lands', async () => {
    const message = HTTP.binary(deposit('sdk-bin-2', 'sdk-binary-bad', '-1'));
    const response = await send(message);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const missing = await fetch(`${runtime.url}/details/sdk-binary-bad`);
    expect(missing.status).toBe(404);
  });

  it('structured mode: lands once, sent twice', async () => {
    const message = HTTP.structured(deposit('sdk-str-1', 'sdk-structured', '7'));
    expect((await send(message)).status).toBe(202);
    expect((await send(message)).status).toBe(202);
    const emit = emitterFor(httpTransport(`${runtime.url}/events`), { mode: Mode.STRUCTURED });
    await emit(deposit('sdk-str-1', 'sdk-structured', '7'));
    expect(await balance('sdk-structured')).toBe(7);
  });

  it('batch mode: each event once, with a result per event', async () => {
    const events = [
      deposit('sdk-bat-1', 'sdk-batch', '1.25'),
      deposit('sdk-bat-2', 'sdk-batch', '2.25'),
      deposit('sdk-bat-1', 'sdk-batch', '1.25'),
    ];
    const message = {
      headers: { 'content-type': 'application/cloudevents-batch+json' },
      body: JSON.stringify(events.map((event) => event.toJSON())),
    };
    const first = await send(message);
    expect(first.status).toBe(202);
    expect(((await first.json()) as { results: unknown[] }).results).toEqual([
      { index: 0, id: 'sdk-bat-1', status: 'queued' },
      { index: 1, id: 'sdk-bat-2', status: 'queued' },
      { index: 2, id: 'sdk-bat-1', status: 'duplicate' },
    ]);
    expect((await send(message)).status).toBe(202);
    expect(await balance('sdk-batch')).toBe(3.5);
  });

  it('the same event in all three modes is still one deposit', async () => {
    const event = deposit('sdk-all-1', 'sdk-all', '5');
    await send(HTTP.binary(event));
    await send(HTTP.structured(event));
    await send({
      headers: { 'content-type': 'application/cloudevents-batch+json' },
      body: JSON.stringify([event.toJSON()]),
    });
    expect(await balance('sdk-all')).toBe(5);
  });
});
