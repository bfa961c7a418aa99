import type { TraceContext } from '#ports/tracing.ts';

/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) as the CloudEvents distributed tracing
 * extension carries it. Pure: no SDK. Whatever does not parse is ignored (a new trace starts):
 * a malformed `traceparent` from a client or another application never fails a request.
 */

export interface Traceparent {
  traceId: string;
  spanId: string;
  sampled: boolean;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);
/** The spec's own limits: 32 list members of at most 256 characters, printable ASCII. */
const TRACESTATE_MAX = 512;
const TRACESTATE = /^[\x20-\x7e]*$/;

/** The parts of a valid `traceparent`, or undefined (wrong shape, version ff, all-zero ids). */
export function parseTraceparent(value: unknown): Traceparent | undefined {
  if (typeof value !== 'string' || value.length > 256) return undefined;
  const match = TRACEPARENT.exec(value.trim());
  if (match === null) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string?,
  ];
  if (version === 'ff') return undefined;
  // Version 00 has exactly four fields; a later version may add some (the spec says: parse the four).
  if (version === '00' && rest !== undefined) return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, sampled: (Number.parseInt(flags, 16) & 1) === 1 };
}

export function formatTraceparent(parts: Traceparent): string {
  return `00-${parts.traceId}-${parts.spanId}-${parts.sampled ? '01' : '00'}`;
}

/** A valid trace context from these values (a CloudEvent's extensions, HTTP headers), or undefined. */
export function traceContextOf(traceparent: unknown, tracestate?: unknown): TraceContext | undefined {
  const parsed = parseTraceparent(traceparent);
  if (parsed === undefined) return undefined;
  const context: TraceContext = { traceparent: formatTraceparent(parsed) };
  if (typeof tracestate === 'string' && tracestate.length <= TRACESTATE_MAX && TRACESTATE.test(tracestate)) {
    const trimmed = tracestate.trim();
    if (trimmed !== '') context.tracestate = trimmed;
  }
  return context;
}

/** The trace context a CloudEvent carries in its `traceparent` / `tracestate` extension attributes. */
export function cloudEventTraceContext(event: unknown): TraceContext | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const record = event as Record<string, unknown>;
  return traceContextOf(record.traceparent, record.tracestate);
}

/** The trace context of HTTP headers (any case; API Gateway lowercases them). */
export function headerTraceContext(headers: unknown): TraceContext | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  let traceparent: unknown;
  let tracestate: unknown;
  for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
    const lower = name.toLowerCase();
    if (lower === 'traceparent') traceparent = value;
    if (lower === 'tracestate') tracestate = value;
  }
  return traceContextOf(traceparent, tracestate);
}

/** The trace id of a context (32 hex), for logs and span attributes. */
export const traceIdOf = (context: TraceContext | undefined): string | undefined =>
  context === undefined ? undefined : parseTraceparent(context.traceparent)?.traceId;

/**
 * X-Ray ids ↔ W3C: an X-Ray trace id `1-5759e988-bd862e3fe1be46a994272793` is the W3C trace id
 * `5759e988bd862e3fe1be46a994272793` (the same 128 bits), and a segment id is a span id.
 */
export function traceparentFromXRay(
  traceId: string,
  segmentId: string,
  sampled: boolean,
): string | undefined {
  const match = /^1-([0-9a-f]{8})-([0-9a-f]{24})$/.exec(traceId);
  if (match === null || !/^[0-9a-f]{16}$/.test(segmentId)) return undefined;
  return formatTraceparent({ traceId: `${match[1]}${match[2]}`, spanId: segmentId, sampled });
}

/** The X-Ray form of a W3C trace id (what the X-Ray console searches for). */
export const xrayTraceIdOf = (traceId: string): string => `1-${traceId.slice(0, 8)}-${traceId.slice(8)}`;
