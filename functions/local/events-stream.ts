import type { IncomingMessage, ServerResponse } from 'node:http';
import { followFrom, type LocalEventBus, sseFrame } from '#adapters/local/event-bus.ts';
import type { FunctionSpec } from '#lib/wiring.ts';

/**
 * `GET /events/stream`: the local bus as Server-Sent Events, what `npx tally events tail` reads.
 * Local only (in AWS, consumers put rules on the EventBridge bus), so it is no wiring function:
 * the local server routes and authorizes it like one (scope `events:read`), then streams instead
 * of invoking a handler, since a Lambda answer is buffered whole.
 */
export const EVENTS_STREAM_SPEC: FunctionSpec = {
  name: 'local-events-stream',
  entry: '(served by the local runtime)',
  description: 'GET /events/stream (local only): published CloudEvents as server-sent events',
  memoryMb: 128,
  timeoutSeconds: 900,
  routes: [{ method: 'GET', path: '/events/stream', auth: { scopes: ['events:read'] } }],
  tableAccess: 'none',
};

/** A comment line every so often keeps proxies and idle timeouts from closing a quiet stream. */
const KEEP_ALIVE_MS = 15_000;

/**
 * Streams the bus from where the client asks: `Last-Event-ID` (resume), else `?from=<position>`,
 * else `?from-start=1` (every kept event), else only events published from now on.
 */
export function serveEventsStream(bus: LocalEventBus) {
  return async (
    request: IncomingMessage,
    response: ServerResponse,
    rawQueryString: string,
  ): Promise<number> => {
    const query = new URLSearchParams(rawQueryString);
    const lastEventId = request.headers['last-event-id'];
    const fromStart = ['1', 'true', ''].includes(query.get('from-start') ?? 'absent') ? '0' : undefined;
    const requested =
      (typeof lastEventId === 'string' ? lastEventId : undefined) ?? query.get('from') ?? fromStart;
    const from = followFrom(bus, requested);
    const closed = new AbortController();
    response.once('close', () => closed.abort());
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    // The opening comment tells the client the stream is live before any event arrives.
    response.write(`: tally events from position ${from}\n\n`);
    const keepAlive = setInterval(() => response.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    keepAlive.unref();
    try {
      for await (const entry of bus.follow(from, closed.signal)) response.write(sseFrame(entry));
    } finally {
      clearInterval(keepAlive);
      response.end();
    }
    return 200;
  };
}
