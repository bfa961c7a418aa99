/**
 * A tiny OTLP/HTTP (JSON) trace receiver for trying `tally dev --otel` without Jaeger: it listens,
 * takes the batches the exporter posts to /v1/traces, and prints each trace as a tree once it has
 * been quiet for a moment (a request's projection and publication end after it answered).
 *
 *   npx tsx bench/otlp-receiver.ts [--port 4318] [--quiet-ms 1500]
 *   npm start -- --otel http://localhost:4318/v1/traces
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, string | number | boolean>;
  service?: string;
}

type AnyValue = {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
};
interface OtlpJson {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: AnyValue }[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind?: number;
        startTimeUnixNano: string | number;
        endTimeUnixNano: string | number;
        attributes?: { key: string; value: AnyValue }[];
      }[];
    }[];
  }[];
}

const anyValue = (value: AnyValue): string | number | boolean =>
  value.stringValue ?? value.boolValue ?? value.doubleValue ?? Number(value.intValue ?? 0);

/** The spans of one OTLP/JSON export request (ids are hex in the JSON encoding). */
function spansOfRequest(body: OtlpJson): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const resource of body.resourceSpans ?? []) {
    const service = resource.resource?.attributes?.find((attribute) => attribute.key === 'service.name');
    for (const scope of resource.scopeSpans ?? []) {
      for (const span of scope.spans ?? []) {
        spans.push({
          traceId: span.traceId,
          spanId: span.spanId,
          ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
          name: span.name,
          ...(span.kind === undefined ? {} : { kind: span.kind }),
          startNs: BigInt(span.startTimeUnixNano),
          endNs: BigInt(span.endTimeUnixNano),
          attributes: Object.fromEntries(
            (span.attributes ?? []).map(({ key, value }) => [key, anyValue(value)]),
          ),
          ...(service === undefined ? {} : { service: String(anyValue(service.value)) }),
        });
      }
    }
  }
  return spans;
}

const KIND = ['', 'internal', 'server', 'client', 'producer', 'consumer'];
const ms = (ns: bigint) => (Number(ns) / 1e6).toFixed(1);

/** A trace as an indented tree: offset from the trace's start, duration, name, kind, a few attributes. */
function traceTree(spans: readonly ReceivedSpan[]): string {
  const sorted = [...spans].sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0));
  const start = sorted[0]?.startNs ?? 0n;
  const ids = new Set(sorted.map((span) => span.spanId));
  const children = new Map<string, ReceivedSpan[]>();
  const roots: ReceivedSpan[] = [];
  for (const span of sorted) {
    if (span.parentSpanId !== undefined && ids.has(span.parentSpanId)) {
      children.set(span.parentSpanId, [...(children.get(span.parentSpanId) ?? []), span]);
    } else {
      roots.push(span);
    }
  }
  const lines = [`trace ${sorted[0]?.traceId ?? '?'} (${sorted.length} spans)`];
  const walk = (span: ReceivedSpan, depth: number) => {
    const parent =
      span.parentSpanId === undefined
        ? ''
        : ids.has(span.parentSpanId)
          ? ''
          : ` (remote parent ${span.parentSpanId})`;
    const attributes = Object.entries(span.attributes)
      .map(([key, value]) => `${key}=${value}`)
      .join(' ');
    lines.push(
      `${'  '.repeat(depth + 1)}+${ms(span.startNs - start)}ms ${ms(span.endNs - span.startNs)}ms ${span.name} [${KIND[span.kind ?? 0] ?? span.kind} ${span.spanId}]${parent}${attributes === '' ? '' : ` ${attributes}`}`,
    );
    for (const child of children.get(span.spanId) ?? []) walk(child, depth + 1);
  };
  for (const root of roots) walk(root, 0);
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '4318' }, 'quiet-ms': { type: 'string', default: '1500' } },
  });
  const quietMs = Number(values['quiet-ms']);
  const traces = new Map<string, { spans: ReceivedSpan[]; timer: NodeJS.Timeout }>();
  const print = (traceId: string) => {
    const entry = traces.get(traceId);
    traces.delete(traceId);
    if (entry !== undefined) process.stdout.write(`${traceTree(entry.spans)}\n\n`);
  };
  const server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    request.on('end', () => {
      if (request.method !== 'POST' || !(request.url ?? '').startsWith('/v1/traces')) {
        response.writeHead(404).end();
        return;
      }
      try {
        for (const span of spansOfRequest(JSON.parse(text) as OtlpJson)) {
          const entry = traces.get(span.traceId);
          if (entry !== undefined) clearTimeout(entry.timer);
          traces.set(span.traceId, {
            spans: [...(entry?.spans ?? []), span],
            timer: setTimeout(() => print(span.traceId), quietMs),
          });
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch (error) {
        process.stderr.write(`not OTLP/JSON (${String(error)}); send JSON (exporter-trace-otlp-http)\n`);
        response.writeHead(400).end();
      }
    });
  });
  server.listen(Number(values.port), '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : values.port;
    process.stderr.write(`OTLP/HTTP receiver on http://127.0.0.1:${port}/v1/traces\n`);
  });
}
