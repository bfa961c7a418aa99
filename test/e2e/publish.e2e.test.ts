/**
 * The stream as outbox, end to end on the local runtime: a deposit (POST /deposit) and a points
 * award (POST /events → ingest → rules) are stored once; the stream poller runs the publish-events
 * handler with the runtime's one bus; `GET /events/stream` serves each exactly once, with the
 * stored event's id as the CloudEvent id — although every batch is delivered twice and the runtime
 * is restarted (the stream read again from its beginning). The real CLI prints them, and the
 * webhook gets each once.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalEventBus } from '../../functions/adapters/local/event-bus.ts';
import type { LambdaHandler } from '../../functions/local/lambda.ts';
import { localEventBus } from '../../functions/local/local-publisher.ts';
import type { LocalRuntime } from '../../functions/local/runtime.ts';
import { startTestRuntime, uniqueTableName } from '../support/local.ts';

const BIN = fileURLToPath(new URL('../../bin/tally.js', import.meta.url));
const WALLET = 'pub-wallet-1';

let runtime: LocalRuntime;
/** Made as the runtime makes its own, but kept across the restart below. */
let bus: LocalEventBus;
const tableName = uniqueTableName('tally-publish');
let publishInvocations = 0;
const hooked: { type: string; body: { id: string; type: string } }[] = [];
let webhook: Server;

/** Every batch the publisher gets is delivered twice, as a retried or re-read stream would. */
const deliverTwice = (spec: { name: string }, handler: LambdaHandler): LambdaHandler =>
  spec.name !== 'publish-events'
    ? handler
    : async (event, context) => {
        publishInvocations += 1;
        await handler(event, context);
        return handler(event, context);
      };

const start = (url: string) =>
  startTestRuntime({
    tableName,
    eventBus: bus,
    wrapHandler: deliverTwice,
    env: { TALLY_EVENTS_WEBHOOK: url },
  });

let webhookUrl: string;
beforeAll(async () => {
  webhook = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    request.on('end', () => {
      hooked.push({ type: String(request.headers['content-type']), body: JSON.parse(text) });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook`;
  bus = localEventBus({ TALLY_EVENTS_WEBHOOK: webhookUrl }, () => undefined);
  runtime = await start(webhookUrl);
});

afterAll(async () => {
  await runtime?.stop();
  await new Promise((resolve) => webhook?.close(resolve));
});

interface CloudEventJson {
  specversion: string;
  id: string;
  type: string;
  source: string;
  subject: string;
  data: Record<string, unknown>;
}

/** Reads `GET /events/stream?from-start=1` until `quietMs` pass without a new event. */
async function streamedFromStart(quietMs = 1_500): Promise<{ position: string; event: CloudEventJson }[]> {
  const controller = new AbortController();
  const response = await fetch(`${runtime.url}/events/stream?from-start=1`, { signal: controller.signal });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const frames: { position: string; event: CloudEventJson }[] = [];
  const reader = response.body?.getReader();
  if (reader === undefined) throw new Error('no body');
  const decoder = new TextDecoder();
  let buffered = '';
  for (;;) {
    const timer = setTimeout(() => controller.abort(), quietMs);
    const chunk = await reader.read().catch(() => ({ done: true, value: undefined }));
    clearTimeout(timer);
    if (chunk.done) break;
    buffered += decoder.decode(chunk.value, { stream: true });
    for (let end = buffered.indexOf('\n\n'); end !== -1; end = buffered.indexOf('\n\n')) {
      const lines = buffered.slice(0, end).split('\n');
      buffered = buffered.slice(end + 2);
      const data = lines.find((line) => line.startsWith('data: '));
      const id = lines.find((line) => line.startsWith('id: '));
      if (data === undefined || id === undefined) continue;
      expect(lines).toContain('event: cloudevent');
      frames.push({ position: id.slice(4), event: JSON.parse(data.slice(6)) });
    }
  }
  return frames;
}

async function storedEvents(): Promise<{ eventId: string; type: string }[]> {
  const response = await fetch(`${runtime.url}/wallets/${WALLET}/events`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { events: { eventId: string; type: string }[] }).events;
}

function tallyTail(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, 'events', 'tail', ...args],
      { timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({
          code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1,
          stdout,
          stderr,
        });
      },
    );
  });
}

describe('published events (stream as outbox → local bus)', { timeout: 120_000 }, () => {
  let stored: { eventId: string; type: string }[] = [];
  let first: { position: string; event: CloudEventJson }[] = [];

  it('publishes a deposit and a points award once each, with the stored event ids', async () => {
    const deposit = await fetch(`${runtime.url}/deposit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'pub-deposit-1' },
      body: JSON.stringify({ WalletID: WALLET, Amount: 120.5 }),
    });
    expect(deposit.status, await deposit.clone().text()).toBe(201);
    const liked = await fetch(`${runtime.url}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        specversion: '1.0',
        id: 'pub-like-1',
        source: 'e2e',
        type: 'answer_is_liked',
        subject: WALLET,
        data: { answerId: 'a-1' },
      }),
    });
    expect(liked.status).toBe(202);
    await runtime.whenIngested({ timeoutMs: 30_000 });
    await runtime.whenProjected({ timeoutMs: 30_000 });

    stored = await storedEvents();
    const deposited = stored.filter((event) => event.type === 'Deposited');
    const awarded = stored.filter((event) => event.type === 'PointsAwarded');
    expect(deposited).toHaveLength(1);
    expect(awarded).toHaveLength(1);

    first = await streamedFromStart();
    const mine = first.filter(({ event }) => event.subject === WALLET);
    expect(mine.map(({ event }) => [event.type, event.id])).toEqual([
      ['tally.wallet.deposited', deposited[0]?.eventId],
      ['tally.points.awarded', awarded[0]?.eventId],
    ]);
    expect(mine[0]?.event).toMatchObject({
      specversion: '1.0',
      source: 'tally/local',
      data: { amount: 120.5 },
    });
    expect(mine[1]?.event.data).toMatchObject({ points: 250 });
    // Every batch really was delivered twice.
    expect(publishInvocations).toBeGreaterThan(0);
  });

  it('shows each id once after a restart reads the stream again from its beginning', async () => {
    const before = publishInvocations;
    await runtime.stop();
    runtime = await start(webhookUrl);
    await runtime.whenProjected({ timeoutMs: 30_000 });
    expect(publishInvocations).toBeGreaterThan(before);

    const again = await streamedFromStart();
    expect(again.map(({ event }) => event.id)).toEqual(first.map(({ event }) => event.id));
    expect(new Set(again.map(({ event }) => event.id)).size).toBe(again.length);
    expect(again.map(({ position }) => position)).toEqual(first.map(({ position }) => position));
  });

  it('`tally events tail --json --from-start` prints each as one CloudEvent per line', async () => {
    const tail = await tallyTail([
      '--json',
      '--from-start',
      '--url',
      runtime.url,
      '--count',
      String(first.length),
    ]);
    expect(tail.stderr).toBe('');
    expect(tail.code).toBe(0);
    const lines = tail.stdout.trimEnd().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as CloudEventJson).id)).toEqual(
      first.map(({ event }) => event.id),
    );

    const human = await tallyTail(['--from-start', '--url', runtime.url, '--count', String(first.length)]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`tally\\.wallet\\.deposited ${WALLET} amount=120\\.5 id=`));
    expect(human.stdout).toMatch(new RegExp(`tally\\.points\\.awarded ${WALLET} points=250 id=`));
  });

  it('forwards each event to TALLY_EVENTS_WEBHOOK once, as structured CloudEvents', async () => {
    await bus.webhookIdle();
    expect(hooked.map(({ body }) => body.id)).toEqual(first.map(({ event }) => event.id));
    expect(new Set(hooked.map(({ type }) => type))).toEqual(new Set(['application/cloudevents+json']));
  });
});
