import {
  type Context,
  createTraceState,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { parseTraceparent } from '#observability/trace-context.ts';
import type { SpanAttributes, SpanKind as TallySpanKind, TraceContext, Tracing } from '#ports/tracing.ts';

/**
 * The local adapter of the tracing port: OpenTelemetry's SDK, loaded only by the local runtime
 * (never imported by a Lambda entry, so no function bundle carries it). Spans go to the given
 * exporters: OTLP/HTTP to a collector (`--otel`), the debug log's one-line summaries, or an
 * in-memory exporter in tests. Nothing is registered globally: the runtime owns its provider.
 */

export interface OtelTracing {
  tracing: Tracing;
  /** Sends what is buffered (OTLP batches), without stopping. */
  flush(): Promise<void>;
  /** Flushes and stops the exporters. */
  shutdown(): Promise<void>;
}

export interface OtelTracingOptions {
  /** Batched (OTLP: one request per batch, off the request path). */
  batched?: SpanExporter[];
  /** Each span exported as it ends (tests, the summary, which buffers per trace itself). */
  immediate?: SpanExporter[];
  serviceName?: string;
}

const KINDS: Record<TallySpanKind, SpanKind> = {
  server: SpanKind.SERVER,
  consumer: SpanKind.CONSUMER,
  producer: SpanKind.PRODUCER,
  internal: SpanKind.INTERNAL,
};

export function startOtelTracing(options: OtelTracingOptions): OtelTracing {
  const spanProcessors: SpanProcessor[] = [
    ...(options.batched ?? []).map(
      (exporter) => new BatchSpanProcessor(exporter, { scheduledDelayMillis: 500 }),
    ),
    ...(options.immediate ?? []).map((exporter) => new SimpleSpanProcessor(exporter)),
  ];
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName ?? 'tally' }),
    spanProcessors,
  });
  const tracer = provider.getTracer('tally');
  const contexts = new AsyncLocalStorageContextManager().enable();

  const attributesOf = (attributes: SpanAttributes | undefined) =>
    Object.fromEntries(Object.entries(attributes ?? {}).filter(([, value]) => value !== undefined)) as Record<
      string,
      string | number | boolean
    >;

  const tracing: Tracing = {
    async span(name, spanOptions, work) {
      const parent = spanOptions.parent === undefined ? contexts.active() : remoteContext(spanOptions.parent);
      const span = tracer.startSpan(
        name,
        { kind: KINDS[spanOptions.kind ?? 'internal'], attributes: attributesOf(spanOptions.attributes) },
        parent,
      );
      try {
        return await contexts.with(trace.setSpan(parent, span), work);
      } catch (error) {
        failed(span, error);
        throw error;
      } finally {
        span.end();
      }
    },
    record(name, recorded) {
      for (const parent of recorded.parents) {
        const span = tracer.startSpan(
          name,
          {
            kind: KINDS[recorded.kind ?? 'internal'],
            attributes: attributesOf(recorded.attributes),
            startTime: recorded.startMs,
          },
          remoteContext(parent),
        );
        if (recorded.failed === true) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end(recorded.endMs);
      }
    },
    current() {
      const span = trace.getSpan(contexts.active());
      if (span === undefined) return undefined;
      const context = span.spanContext();
      const sampled = (context.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
      const current: TraceContext = {
        traceparent: `00-${context.traceId}-${context.spanId}-${sampled ? '01' : '00'}`,
      };
      const state = context.traceState?.serialize();
      if (state !== undefined && state !== '') current.tracestate = state;
      return current;
    },
  };
  return {
    tracing,
    flush: () => provider.forceFlush(),
    shutdown: async () => {
      await provider.shutdown();
      contexts.disable();
    },
  };
}

/** A context whose span is the remote parent the trace context names (it was validated before). */
function remoteContext(parent: TraceContext): Context {
  const parsed = parseTraceparent(parent.traceparent);
  if (parsed === undefined) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: parsed.traceId,
    spanId: parsed.spanId,
    traceFlags: parsed.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
    ...(parent.tracestate === undefined ? {} : { traceState: createTraceState(parent.tracestate) }),
  });
}

function failed(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}
