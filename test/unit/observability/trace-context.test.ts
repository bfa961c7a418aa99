import { describe, expect, it } from 'vitest';
import {
  cloudEventTraceContext,
  headerTraceContext,
  parseTraceparent,
  traceContextOf,
  traceIdOf,
  traceparentFromXRay,
  xrayTraceIdOf,
} from '../../../functions/observability/trace-context.ts';

const VALID = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('parseTraceparent (W3C Trace Context)', () => {
  it('reads the trace id, the parent span id and the sampled flag', () => {
    expect(parseTraceparent(VALID)).toEqual({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      sampled: true,
    });
    expect(parseTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00')?.sampled).toBe(false);
  });

  it.each([
    ['not a string', 42],
    ['empty', ''],
    ['too few fields', '00-0af7651916cd43dd8448eb211c80319c-01'],
    ['upper-case hex', '00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01'],
    ['a short trace id', '00-0af7651916cd43dd8448eb211c8031-b7ad6b7169203331-01'],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-b7ad6b7169203331-01`],
    ['an all-zero span id', `00-0af7651916cd43dd8448eb211c80319c-${'0'.repeat(16)}-01`],
    ['version ff', 'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'],
    ['version 00 with a fifth field', `${VALID}-extra`],
    // A later version's extra fields are accepted, so only the length limit turns this one away.
    ['very long', `01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-${'x'.repeat(300)}`],
  ])('ignores %s', (_label, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
    expect(traceContextOf(value)).toBeUndefined();
  });

  it('accepts a later version with more fields, as the spec asks', () => {
    expect(
      parseTraceparent(`01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-what-comes`)?.traceId,
    ).toBe('0af7651916cd43dd8448eb211c80319c');
  });
});

describe('trace context from CloudEvents and headers', () => {
  it('takes traceparent and tracestate from the extension attributes', () => {
    expect(cloudEventTraceContext({ id: 'e', traceparent: VALID, tracestate: 'congo=t61rcWkgMzE' })).toEqual({
      traceparent: VALID,
      tracestate: 'congo=t61rcWkgMzE',
    });
  });

  it('drops a tracestate that is not printable ASCII or too long, and any without a valid traceparent', () => {
    expect(cloudEventTraceContext({ traceparent: VALID, tracestate: 'a=\u0001' })).toEqual({
      traceparent: VALID,
    });
    expect(cloudEventTraceContext({ traceparent: VALID, tracestate: 'a'.repeat(513) })).toEqual({
      traceparent: VALID,
    });
    expect(cloudEventTraceContext({ traceparent: 'garbage', tracestate: 'a=b' })).toBeUndefined();
    expect(cloudEventTraceContext(null)).toBeUndefined();
    expect(cloudEventTraceContext('text')).toBeUndefined();
  });

  it('reads headers in any case', () => {
    expect(headerTraceContext({ TraceParent: VALID })).toEqual({ traceparent: VALID });
    expect(headerTraceContext({ traceparent: 'x' })).toBeUndefined();
    expect(headerTraceContext(undefined)).toBeUndefined();
  });

  it('gives the trace id of a context', () => {
    expect(traceIdOf({ traceparent: VALID })).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(traceIdOf(undefined)).toBeUndefined();
  });
});

describe('X-Ray ids', () => {
  it('are the same 128 bits as a W3C trace id', () => {
    expect(traceparentFromXRay('1-5759e988-bd862e3fe1be46a994272793', '53995c3f42cd8ad8', true)).toBe(
      '00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01',
    );
    expect(xrayTraceIdOf('5759e988bd862e3fe1be46a994272793')).toBe('1-5759e988-bd862e3fe1be46a994272793');
    expect(traceparentFromXRay('Root=1-5759e988', '53995c3f42cd8ad8', true)).toBeUndefined();
  });
});
