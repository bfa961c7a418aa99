import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalEventBus } from '../../functions/adapters/local/event-bus.ts';
import type { LocalRuntime } from '../../functions/local/runtime.ts';
import { startTestRuntime } from '../support/local.ts';

/**
 * One trace per request through the local runtime (OpenTelemetry, an in-memory exporter): the
 * HTTP request, the event store append, then — from the table's stream, in other handlers — the
 * projection and the publication, all in the request's trace and linked parent to child; the
 * published CloudEvent carries the trace context, and a bus message's traceparent is continued.
 */

const exporter = new InMemorySpanExporter();
const bus = new LocalEventBus();
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime({ eventBus: bus, tracing: { exporters: [exporter] } });
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
});

const spansOf = (traceId: string): ReadableSpan[] =>
  exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
const byName = (spans: readonly ReadableSpan[], name: string): ReadableSpan => {
  const found = spans.filter((span) => span.name === name);
  expect(
    found.map((span) => span.name),
    `spans named ${name} in ${spans.map((s) => s.name)}`,
  ).toHaveLength(1);
  return found[0] as ReadableSpan;
};
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan) => span.spanContext().spanId;

/** Spans are recorded when the stream consumers finish; wait until the names are there. */
async function waitForSpans(traceId: string, names: readonly string[]): Promise<ReadableSpan[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const spans = spansOf(traceId);
    if (names.every((name) => spans.some((span) => span.name === name)) || Date.now() > deadline)
      return spans;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function deposit(wallet: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${runtime.url}/deposit`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ WalletID: wallet, Amount: 25 }),
  });
  expect(response.status, await response.clone().text()).toBe(201);
  return response;
}

describe('a deposit through the local runtime', () => {
  it('is one trace: request → append → projection and publication, each the child of the one before', async () => {
    exporter.reset();
    await deposit('trace-wallet-1');
    await runtime.whenProjected({ timeoutMs: 30_000 });
    const request = exporter.getFinishedSpans().find((span) => span.name === 'POST /deposit');
    expect(request).toBeDefined();
    const traceId = (request as ReadableSpan).spanContext().traceId;
    const spans = await waitForSpans(traceId, ['projection', 'publish']);

    const root = byName(spans, 'POST /deposit');
    const append = byName(spans, 'event-store append');
    const projection = byName(spans, 'projection');
    const publish = byName(spans, 'publish');
    expect(parentOf(root)).toBeUndefined();
    expect(parentOf(append)).toBe(idOf(root));
    // The stored traceparent is the append span's: the stream's consumers continue from it.
    expect(parentOf(projection)).toBe(idOf(append));
    expect(parentOf(publish)).toBe(idOf(append));
    expect(append.attributes['tally.wallet_id']).toBe('trace-wallet-1');
    expect(publish.attributes['cloudevents.event_type']).toBe('tally.wallet.deposited');

    // The published CloudEvent carries the request's trace (the distributed tracing extension).
    const published = bus.since(0).filter((entry) => entry.event.subject === 'trace-wallet-1');
    expect(published.map((entry) => entry.event.type)).toEqual(['tally.wallet.deposited']);
    expect(published[0]?.event.traceparent).toBe(`00-${traceId}-${idOf(append)}-01`);
  });

  it("continues the caller's traceparent header, and ignores a malformed one (201 all the same)", async () => {
    exporter.reset();
    const callerTrace = '0af7651916cd43dd8448eb211c80319c';
    await deposit('trace-wallet-2', {
      traceparent: `00-${callerTrace}-b7ad6b7169203331-01`,
      tracestate: 'vendor=opaque',
    });
    await runtime.whenProjected({ timeoutMs: 30_000 });
    const spans = await waitForSpans(callerTrace, ['projection', 'publish']);
    expect(parentOf(byName(spans, 'POST /deposit'))).toBe('b7ad6b7169203331');
    const published = bus.since(0).find((entry) => entry.event.subject === 'trace-wallet-2');
    expect(published?.event.traceparent).toMatch(new RegExp(`^00-${callerTrace}-[0-9a-f]{16}-01$`));
    expect(published?.event.tracestate).toBe('vendor=opaque');

    exporter.reset();
    await deposit('trace-wallet-3', { traceparent: '00-not-a-trace-01' });
    await runtime.whenProjected({ timeoutMs: 30_000 });
    const request = exporter.getFinishedSpans().find((span) => span.name === 'POST /deposit');
    expect(request).toBeDefined();
    expect(request?.parentSpanContext).toBeUndefined();
  });
});

describe('a CloudEvent from the bus (POST /events → the events queue → ingest)', () => {
  it("joins the producer's trace: the ingest span is the child of the event's traceparent", async () => {
    exporter.reset();
    const producerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await fetch(`${runtime.url}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        specversion: '1.0',
        id: 'trace-like-1',
        source: 'trace-test',
        type: 'answer_is_liked',
        subject: 'trace-wallet-4',
        traceparent: `00-${producerTrace}-00f067aa0ba902b7-01`,
        data: { answerId: 'a-1' },
      }),
    });
    expect(response.status).toBe(202);
    await runtime.whenIngested({ timeoutMs: 30_000 });
    await runtime.whenProjected({ timeoutMs: 30_000 });
    const spans = await waitForSpans(producerTrace, ['ingest answer_is_liked', 'event-store append']);
    const ingest = byName(spans, 'ingest answer_is_liked');
    expect(parentOf(ingest)).toBe('00f067aa0ba902b7');
    expect(parentOf(byName(spans, 'event-store append'))).toBe(idOf(ingest));
  });

  it('carries the request trace into the queue when the event has none, and ignores a malformed one', async () => {
    exporter.reset();
    const response = await fetch(`${runtime.url}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        specversion: '1.0',
        id: 'trace-like-2',
        source: 'trace-test',
        type: 'answer_is_liked',
        subject: 'trace-wallet-5',
        traceparent: 'garbage',
        data: { answerId: 'a-2' },
      }),
    });
    expect(response.status).toBe(202);
    await runtime.whenIngested({ timeoutMs: 30_000 });
    const request = exporter.getFinishedSpans().find((span) => span.name === 'POST /events');
    expect(request).toBeDefined();
    const traceId = (request as ReadableSpan).spanContext().traceId;
    const spans = await waitForSpans(traceId, ['ingest answer_is_liked']);
    expect(parentOf(byName(spans, 'ingest answer_is_liked'))).toBe(idOf(request as ReadableSpan));
  });
});
