import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

/**
 * Without `--otel`, the debug log shows each trace as one line: its spans as a tree with their
 * durations, printed once the trace has been quiet for a moment (its projection and publication
 * end after the request answered), e.g.
 *
 *   trace 4bf92f3577b34da6a3ce929d0e0e4736 4 spans: POST /deposit 9.8ms (event-store append 3.1ms (projection 2.0ms, publish 0.8ms))
 */
export class TraceSummaryExporter implements SpanExporter {
  private readonly traces = new Map<string, { spans: ReadableSpan[]; timer: NodeJS.Timeout }>();

  constructor(
    private readonly print: (line: string) => void,
    private readonly quietMs = 400,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    for (const span of spans) {
      const traceId = span.spanContext().traceId;
      const entry = this.traces.get(traceId);
      if (entry !== undefined) clearTimeout(entry.timer);
      const timer = setTimeout(() => this.flushTrace(traceId), this.quietMs);
      timer.unref();
      this.traces.set(traceId, { spans: [...(entry?.spans ?? []), span], timer });
    }
    done({ code: 0 });
  }

  async shutdown(): Promise<void> {
    for (const traceId of [...this.traces.keys()]) this.flushTrace(traceId);
  }

  async forceFlush(): Promise<void> {
    await this.shutdown();
  }

  private flushTrace(traceId: string): void {
    const entry = this.traces.get(traceId);
    if (entry === undefined) return;
    clearTimeout(entry.timer);
    this.traces.delete(traceId);
    this.print(summaryLine(traceId, entry.spans));
  }
}

const millis = (span: ReadableSpan): number => span.duration[0] * 1_000 + span.duration[1] / 1_000_000;
const startOf = (span: ReadableSpan): number => span.startTime[0] * 1e9 + span.startTime[1];

/** One line: the trace id, then each root span with its children in parentheses, by start time. */
export function summaryLine(traceId: string, spans: readonly ReadableSpan[]): string {
  const ids = new Set(spans.map((span) => span.spanContext().spanId));
  const children = new Map<string, ReadableSpan[]>();
  const roots: ReadableSpan[] = [];
  for (const span of [...spans].sort((a, b) => startOf(a) - startOf(b))) {
    const parent = span.parentSpanContext?.spanId;
    if (parent !== undefined && ids.has(parent))
      children.set(parent, [...(children.get(parent) ?? []), span]);
    else roots.push(span);
  }
  const render = (span: ReadableSpan): string => {
    const below = children.get(span.spanContext().spanId) ?? [];
    const failed = span.status.code === 2 ? ' FAILED' : '';
    const own = `${span.name} ${millis(span).toFixed(1)}ms${failed}`;
    return below.length === 0 ? own : `${own} (${below.map(render).join(', ')})`;
  };
  return `trace ${traceId} ${spans.length} span${spans.length === 1 ? '' : 's'}: ${roots.map(render).join(' | ')}`;
}
