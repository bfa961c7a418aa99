import { Logger } from '@aws-lambda-powertools/logger';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { toPutEventsEntry } from '../../../functions/adapters/eventbridge/event-bus.ts';
import { startOtelTracing } from '../../../functions/adapters/local/otel-tracing.ts';
import { summaryLine } from '../../../functions/adapters/local/trace-summary.ts';
import { UsageError } from '../../../functions/cli/command.ts';
import { otelUrlOf } from '../../../functions/cli/dev.ts';
import { logger } from '../../../functions/observability/powertools.ts';
import { powertoolsTracing, type TracerLike } from '../../../functions/observability/powertools-tracing.ts';
import { useTracing } from '../../../functions/observability/tracing.ts';
import { noTracing } from '../../../functions/ports/tracing.ts';
import { published } from '../publish/fixtures.ts';

afterEach(() => {
  useTracing(noTracing);
  vi.restoreAllMocks();
});

/** A fake X-Ray segment tree, shaped as aws-xray-sdk-core's (what the adapter calls of it). */
class FakeSegment {
  readonly annotations: Record<string, unknown> = {};
  readonly metadata: Record<string, unknown> = {};
  readonly children: FakeSegment[] = [];
  closed = false;
  error: unknown;
  start_time = 0;
  end_time?: number;
  constructor(
    readonly name: string,
    readonly id: string,
  ) {}
  addNewSubsegment(name: string) {
    const child = new FakeSegment(name, (this.children.length + 1).toString(16).padStart(16, 'a'));
    this.children.push(child);
    return child;
  }
  addAnnotation(key: string, value: unknown) {
    this.annotations[key] = value;
  }
  addMetadata(key: string, value: unknown) {
    this.metadata[key] = value;
  }
  addError(error: unknown) {
    this.error = error;
  }
  addErrorFlag() {
    this.error = true;
  }
  close() {
    this.closed = true;
  }
}

function fakeTracer(root: FakeSegment) {
  let current: FakeSegment = root;
  return {
    getSegment: () => current,
    setSegment: (segment: FakeSegment) => {
      current = segment;
    },
    getRootXrayTraceId: () => '1-5759e988-bd862e3fe1be46a994272793',
    isTraceSampled: () => true,
  } as unknown as TracerLike;
}

describe('the X-Ray adapter (Powertools Tracer)', () => {
  it('runs work in a subsegment, gives its context as W3C, and keeps a remote parent as annotations', async () => {
    const root = new FakeSegment('facade', '53995c3f42cd8ad8');
    const tracing = powertoolsTracing(fakeTracer(root));
    const seen = await tracing.span(
      'ingest answer_is_liked',
      {
        parent: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
        attributes: { 'tally.wallet_id': 'w1' },
      },
      async () => tracing.current(),
    );
    const [sub] = root.children;
    expect(sub?.name).toBe('ingest answer_is_liked');
    expect(sub?.closed).toBe(true);
    expect(sub?.annotations).toEqual({
      tally_wallet_id: 'w1',
      request_trace_id: '1-0af76519-16cd43dd8448eb211c80319c',
      request_traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    expect(seen?.traceparent).toBe(`00-5759e988bd862e3fe1be46a994272793-${sub?.id}-01`);
    // Back on the facade afterwards.
    expect(tracing.current()?.traceparent).toBe('00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01');
  });

  it('records a batch step with its times and the request traces it served; a failure is flagged', async () => {
    const root = new FakeSegment('facade', '53995c3f42cd8ad8');
    const tracing = powertoolsTracing(fakeTracer(root));
    const parents = [{ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }];
    tracing.record('projection', { startMs: 1_000, endMs: 1_250, parents, failed: true });
    const [sub] = root.children;
    expect(sub).toMatchObject({
      name: 'projection',
      start_time: 1,
      end_time: 1.25,
      error: true,
      closed: true,
    });
    expect(sub?.metadata.request_traceparents).toEqual([parents[0]?.traceparent]);
    await expect(tracing.span('x', {}, async () => Promise.reject(new Error('boom')))).rejects.toThrow(
      'boom',
    );
    expect(root.children[1]?.error).toBeInstanceOf(Error);
  });
});

describe('EventBridge entries', () => {
  it("carry the event's trace as the X-Ray TraceHeader, and none without one", () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    expect(toPutEventsEntry({ ...published('x'), traceparent }, 'bus').TraceHeader).toBe(
      'Root=1-0af76519-16cd43dd8448eb211c80319c;Parent=b7ad6b7169203331;Sampled=1',
    );
    expect(toPutEventsEntry(published('x'), 'bus')).not.toHaveProperty('TraceHeader');
  });
});

describe('the debug log summary', () => {
  it('prints a trace as one line: spans as a tree with durations', async () => {
    const exporter = new InMemorySpanExporter();
    const otel = startOtelTracing({ immediate: [exporter] });
    await otel.tracing.span('POST /deposit', {}, () =>
      otel.tracing.span('event-store append', {}, async () => 1),
    );
    const spans = exporter.getFinishedSpans();
    const traceId = spans[0]?.spanContext().traceId ?? '';
    expect(summaryLine(traceId, spans)).toMatch(
      new RegExp(
        `^trace ${traceId} 2 spans: POST /deposit \\d+\\.\\dms \\(event-store append \\d+\\.\\dms\\)$`,
      ),
    );
    await otel.shutdown();
  });
});

describe('tally dev --otel [URL]', () => {
  it('defaults to the OTLP/HTTP port of a local collector, takes a URL, refuses anything else', () => {
    expect(otelUrlOf({}, [])).toBeUndefined();
    expect(otelUrlOf({ otel: true }, [])).toBe('http://localhost:4318/v1/traces');
    expect(otelUrlOf({ otel: true }, ['http://collector:4318/v1/traces'])).toBe(
      'http://collector:4318/v1/traces',
    );
    expect(() => otelUrlOf({ otel: true }, ['ftp://x'])).toThrow(UsageError);
    expect(() => otelUrlOf({ otel: true }, ['not a url'])).toThrow(UsageError);
    expect(() => otelUrlOf({}, ['stray'])).toThrow(UsageError);
  });
});

describe('log lines', () => {
  it('carry the trace id of the span they are written in', async () => {
    const otel = startOtelTracing({});
    useTracing(otel.tracing);
    // What the Powertools logger is handed (it merges each extra object into the line).
    const written = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    let traceId: string | undefined;
    await otel.tracing.span('request', {}, async () => {
      traceId = otel.tracing.current()?.traceparent.slice(3, 35);
      logger.warn('inside', { walletId: 'w1' });
    });
    logger.warn('outside');
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(written.mock.calls).toEqual([['inside', { walletId: 'w1' }, { trace_id: traceId }], ['outside']]);
    await otel.shutdown();
  });
});
