/**
 * Tracing: one trace per request, from the API call or the bus message through the decision, the
 * event store write, the projection and the published event. In AWS the adapter is Powertools
 * Tracer (X-Ray); locally it is OpenTelemetry (OTLP to any collector, or a one-line summary per
 * trace in the debug log). With neither, `noTracing` runs the work and records nothing.
 */

/** W3C trace context, as carried in the CloudEvents `traceparent` / `tracestate` extension. */
export interface TraceContext {
  /** `00-<32 hex trace id>-<16 hex parent span id>-<2 hex flags>`. */
  traceparent: string;
  tracestate?: string;
}

export type SpanAttributes = Readonly<Record<string, string | number | boolean | undefined>>;

export type SpanKind = 'server' | 'consumer' | 'producer' | 'internal';

export interface SpanOptions {
  attributes?: SpanAttributes;
  /** Continue this (remote) trace instead of the active span's: a bus message, a stored event. */
  parent?: TraceContext | undefined;
  kind?: SpanKind;
}

/** A span that already ran, recorded after the fact under each trace it served (a batch's work). */
export interface RecordedSpan {
  attributes?: SpanAttributes;
  kind?: SpanKind;
  startMs: number;
  endMs: number;
  /** One span per parent: a projector batch that folded events of three requests shows in all three. */
  parents: readonly TraceContext[];
  failed?: boolean;
}

export interface Tracing {
  /** Runs `work` inside a new span, child of `options.parent` or else of the active span. */
  span<T>(name: string, options: SpanOptions, work: () => Promise<T>): Promise<T>;
  /** Records a span that already ran (see RecordedSpan). */
  record(name: string, span: RecordedSpan): void;
  /** The active span as W3C trace context (to store with an event, to put on a message), if any. */
  current(): TraceContext | undefined;
}

/** Tracing off: the work runs, nothing is recorded, nothing is allocated. */
export const noTracing: Tracing = {
  span: (_name, _options, work) => work(),
  record: () => undefined,
  current: () => undefined,
};
