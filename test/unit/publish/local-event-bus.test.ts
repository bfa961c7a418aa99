import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type BusEntry,
  followFrom,
  LocalEventBus,
  localEventBusFromEnv,
  sseFrame,
} from '#adapters/local/event-bus.ts';
import { must, published } from './fixtures.ts';

interface Received {
  contentType: string | undefined;
  body: string;
}

/** A webhook on a free port that answers each POST with the next status of `statuses` (then 200). */
async function webhook(statuses: number[]) {
  const received: Received[] = [];
  const server = createServer(async (request: IncomingMessage, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    received.push({ contentType: request.headers['content-type'], body });
    response.statusCode = statuses.shift() ?? 200;
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  servers.push(server);
  return { url: `http://127.0.0.1:${port}/hook`, received };
}
const servers: Array<ReturnType<typeof createServer>> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

describe('LocalEventBus', () => {
  it('keeps only the last `capacity` events, with positions that show the gap', async () => {
    const bus = new LocalEventBus({ capacity: 3 });
    await bus.publish(['a', 'b', 'c', 'd', 'e'].map((id) => published(id)));
    expect(bus.since(0).map((entry) => [entry.position, entry.event.id])).toEqual([
      [3, 'c'],
      [4, 'd'],
      [5, 'e'],
    ]);
    expect(bus.position).toBe(5);
  });

  it('takes an id once while it is kept (a replayed stream does not show events twice)', async () => {
    const bus = new LocalEventBus({ capacity: 10 });
    await bus.publish([published('a'), published('b')]);
    await bus.publish([published('a'), published('c')]);
    expect(bus.since(0).map((entry) => entry.event.id)).toEqual(['a', 'b', 'c']);
  });

  it('lets a follower read from the start or from now, and wait for more', async () => {
    const bus = new LocalEventBus();
    await bus.publish([published('old')]);
    const controller = new AbortController();
    const fromStart: BusEntry[] = [];
    const fromNow: BusEntry[] = [];
    const collect = async (from: number, into: BusEntry[]) => {
      for await (const entry of bus.follow(from, controller.signal)) {
        into.push(entry);
        if (into.length === (from === 0 ? 3 : 2)) return;
      }
    };
    const following = Promise.all([collect(0, fromStart), collect(bus.position, fromNow)]);
    await bus.publish([published('new-1')]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await bus.publish([published('new-2')]);
    await following;
    expect(fromStart.map((entry) => entry.event.id)).toEqual(['old', 'new-1', 'new-2']);
    expect(fromNow.map((entry) => entry.event.id)).toEqual(['new-1', 'new-2']);
  });

  it('stops following when aborted', async () => {
    const bus = new LocalEventBus();
    const controller = new AbortController();
    const seen: string[] = [];
    const following = (async () => {
      for await (const entry of bus.follow(0, controller.signal)) seen.push(entry.event.id);
    })();
    controller.abort();
    await following;
    expect(seen).toEqual([]);
  });

  it('forwards each event to the webhook as structured JSON, retrying 5xx and 429', async () => {
    const hook = await webhook([503, 429]);
    const bus = new LocalEventBus({ webhook: { url: hook.url, retryBaseMs: 1 } });
    await bus.publish([published('a', 'w1', '{"amount":120.50}'), published('b')]);
    await bus.webhookIdle();
    expect(hook.received.map((request) => JSON.parse(request.body).id)).toEqual(['a', 'a', 'a', 'b']);
    expect(hook.received[0]?.contentType).toBe('application/cloudevents+json');
    expect(hook.received[2]?.body).toContain('"data":{"amount":120.50}');
  });

  it('gives up after the attempts (or at once on a 4xx refusal) and says so', async () => {
    const hook = await webhook([500, 500, 400]);
    const givenUp: Array<[string, string]> = [];
    const bus = new LocalEventBus({
      webhook: {
        url: hook.url,
        attemptsMax: 2,
        retryBaseMs: 1,
        onGiveUp: (event, reason) => givenUp.push([event.id, reason]),
      },
    });
    await bus.publish([published('a'), published('b'), published('c')]);
    await bus.webhookIdle();
    expect(hook.received.map((request) => JSON.parse(request.body).id)).toEqual(['a', 'a', 'b', 'c']);
    expect(givenUp).toEqual([
      ['a', 'HTTP 500 after 2 attempts'],
      ['b', 'HTTP 400'],
    ]);
  });

  it('turns forwarding on from TALLY_EVENTS_WEBHOOK', async () => {
    const hook = await webhook([]);
    const bus = localEventBusFromEnv({ TALLY_EVENTS_WEBHOOK: hook.url });
    await bus.publish([published('x')]);
    await bus.webhookIdle();
    expect(hook.received).toHaveLength(1);
    const quiet = localEventBusFromEnv({});
    await quiet.publish([published('y')]);
    await quiet.webhookIdle();
    expect(hook.received).toHaveLength(1);
  });
});

describe('SSE framing for GET /events/stream', () => {
  it('writes one frame per event: position as id, the CloudEvent on one data line', async () => {
    const bus = new LocalEventBus();
    await bus.publish([published('a', 'w1', '{"note":"two\\nlines","amount":1.5}')]);
    const [entry] = bus.since(0);
    const frame = sseFrame(must(entry));
    expect(frame.endsWith('\n\n')).toBe(true);
    const lines = frame.trimEnd().split('\n');
    expect(lines).toEqual(['id: 1', 'event: cloudevent', expect.stringMatching(/^data: \{/)]);
    expect(JSON.parse(must(lines[2]).slice('data: '.length))).toMatchObject({
      id: 'a',
      data: { amount: 1.5 },
    });
  });

  it('starts a follower after the requested position, or at the newest event', async () => {
    const bus = new LocalEventBus();
    await bus.publish([published('a'), published('b'), published('c')]);
    expect(followFrom(bus, '0')).toBe(0);
    expect(followFrom(bus, '2')).toBe(2);
    expect(followFrom(bus, '99')).toBe(3);
    expect(followFrom(bus, undefined)).toBe(3);
    expect(followFrom(bus, 'abc')).toBe(3);
  });
});
