import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { eventHash } from '../../../functions/adapters/dynamodb/event-hash.ts';
import { fromEventItem, toEventItem } from '../../../functions/adapters/dynamodb/table-layout/event-item.ts';
import { startOtelTracing } from '../../../functions/adapters/local/otel-tracing.ts';
import type { RecordedEvent } from '../../../functions/domain/wallet.ts';
import {
  tracedBus,
  tracedEventStore,
  traceReads,
  withRequestTrace,
} from '../../../functions/observability/traced-ports.ts';
import { useTracing } from '../../../functions/observability/tracing.ts';
import type { PublishedEvent } from '../../../functions/ports/event-bus.ts';
import { noTracing } from '../../../functions/ports/tracing.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';

const exporter = new InMemorySpanExporter();
const otel = startOtelTracing({ immediate: [exporter] });
afterEach(() => {
  useTracing(noTracing);
  exporter.reset();
});

const deposit = (eventId: string) => ({
  type: 'Deposited' as const,
  data: { amountMinor: 500n, occurredAtMs: 1_000 },
  eventId,
  recordedAtMs: 1_000,
});

describe('the traced event store', () => {
  it('appends in a span and stores that span context with the events', async () => {
    useTracing(otel.tracing);
    const store = tracedEventStore(new InMemoryEventStore());
    await otel.tracing.span('POST /deposit', { kind: 'server' }, () =>
      store.append({ walletId: 'w1', lane: 0, expected: { version: 0, hash: '' }, events: [deposit('e1')] }),
    );
    const [append] = exporter.getFinishedSpans().filter((span) => span.name === 'event-store append');
    const pages = [];
    for await (const page of store.read('w1', 0)) pages.push(...page);
    const stored = pages[0] as RecordedEvent & { traceparent?: string };
    expect(stored.traceparent).toBe(`00-${append?.spanContext().traceId}-${append?.spanContext().spanId}-01`);
  });

  it('stamps nothing with tracing off', async () => {
    const store = tracedEventStore(new InMemoryEventStore());
    await store.append({
      walletId: 'w1',
      lane: 0,
      expected: { version: 0, hash: '' },
      events: [deposit('e1')],
    });
    for await (const page of store.read('w1', 0)) expect(page[0]).not.toHaveProperty('traceparent');
  });
});

describe('the trace context on the event item', () => {
  const event: RecordedEvent = { ...deposit('e1'), walletId: 'w1', lane: 0, version: 1 };
  const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

  /** The item as the document client reads it back (bigints as decimal text). */
  const readBack = (item: Record<string, unknown>) =>
    JSON.parse(JSON.stringify(item, (_key, value) => (typeof value === 'bigint' ? value.toString() : value)));

  it('is an attribute outside the hash: the chain is the same with or without it', async () => {
    const traced = { ...event, traceparent, tracestate: 'a=b' };
    expect(eventHash('', traced)).toBe(eventHash('', event));
    const item = toEventItem(traced, '', eventHash('', traced));
    expect(item).toMatchObject({ traceparent, tracestate: 'a=b' });
    expect(await fromEventItem(readBack(item))).toMatchObject({
      eventId: 'e1',
      traceparent,
      tracestate: 'a=b',
    });
    expect(toEventItem(event, '', eventHash('', event))).not.toHaveProperty('traceparent');
    expect(await fromEventItem(readBack(toEventItem(event, '', eventHash('', event))))).not.toHaveProperty(
      'traceparent',
    );
  });
});

describe('spans recorded in the traces a batch served', () => {
  it('records a projection under each stored trace read, and a publish under each published trace', async () => {
    useTracing(otel.tracing);
    const inner = new InMemoryEventStore();
    const parents = ['0af7651916cd43dd8448eb211c80319c', '4bf92f3577b34da6a3ce929d0e0e4736'];
    await inner.append({
      walletId: 'w1',
      lane: 0,
      expected: { version: 0, hash: '' },
      events: parents.map((traceId, index) => ({
        ...deposit(`e${index}`),
        traceparent: `00-${traceId}-b7ad6b7169203331-01`,
      })),
    });
    const reads = traceReads(inner);
    for await (const _page of reads.store.read('w1', 0)) {
      // read every page
    }
    expect(reads.contexts().map((context) => context.traceparent.slice(3, 35))).toEqual(parents);

    const published: PublishedEvent = {
      specversion: '1.0',
      id: 'e0',
      source: 'tally/test',
      type: 'tally.wallet.deposited',
      subject: 'w1',
      time: '2026-12-06T09:00:00Z',
      datacontenttype: 'application/json',
      dataJson: '{}',
      traceparent: `00-${parents[0]}-b7ad6b7169203331-01`,
    };
    await tracedBus({ publish: async () => ({ failed: [] }) }).publish([
      published,
      { ...published, id: 'x' },
    ]);
    const publish = exporter.getFinishedSpans().filter((span) => span.name === 'publish');
    expect(publish.map((span) => [span.spanContext().traceId, span.parentSpanContext?.spanId])).toEqual([
      [parents[0], 'b7ad6b7169203331'],
    ]);
  });
});

describe('a CloudEvent queued by POST /events', () => {
  it("gets the request's trace context unless it has a valid one of its own", async () => {
    useTracing(otel.tracing);
    const own = { id: 'e', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
    await otel.tracing.span('POST /events', {}, async () => {
      expect(withRequestTrace(own)).toBe(own);
      const stamped = withRequestTrace({ id: 'e', traceparent: 'garbage' }) as { traceparent: string };
      expect(stamped.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      expect(stamped.traceparent).toBe(otel.tracing.current()?.traceparent);
    });
    expect(withRequestTrace({ id: 'e' })).toEqual({ id: 'e' });
    expect(withRequestTrace('text')).toBe('text');
  });
});
