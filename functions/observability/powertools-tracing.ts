import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { SpanAttributes, SpanOptions, TraceContext, Tracing } from '#ports/tracing.ts';
import { parseTraceparent, traceparentFromXRay, xrayTraceIdOf } from './trace-context.ts';

/**
 * The AWS adapter of the tracing port: X-Ray subsegments through Powertools Tracer, under the
 * segment Lambda opened for the invocation (active tracing). X-Ray cannot re-parent a segment into
 * another trace, so a remote parent (a stored event's, a bus message's) is kept as annotations:
 * `request_trace_id` (the X-Ray form of its trace id, searchable in the console:
 * `annotation.request_trace_id = "1-…"`) and `request_traceparent`.
 */
export type TracerLike = Pick<Tracer, 'getSegment' | 'setSegment' | 'getRootXrayTraceId' | 'isTraceSampled'>;

type Segment = NonNullable<ReturnType<Tracer['getSegment']>>;

/** X-Ray annotation keys: letters, digits and underscores only (others are dropped by the service). */
const annotationKey = (key: string) => key.replace(/[^A-Za-z0-9_]/g, '_');

function annotate(
  segment: Segment,
  attributes: SpanAttributes | undefined,
  parent: TraceContext | undefined,
) {
  for (const [key, value] of Object.entries(attributes ?? {})) {
    if (value !== undefined) segment.addAnnotation(annotationKey(key), value);
  }
  const remote = parseTraceparent(parent?.traceparent);
  if (remote !== undefined && parent !== undefined) {
    segment.addAnnotation('request_trace_id', xrayTraceIdOf(remote.traceId));
    segment.addAnnotation('request_traceparent', parent.traceparent);
  }
}

export function powertoolsTracing(tracer: TracerLike): Tracing {
  return {
    async span<T>(name: string, options: SpanOptions, work: () => Promise<T>): Promise<T> {
      const parent = tracer.getSegment();
      if (parent === undefined) return work();
      const subsegment = parent.addNewSubsegment(name);
      annotate(subsegment, options.attributes, options.parent);
      tracer.setSegment(subsegment);
      try {
        return await work();
      } catch (error) {
        subsegment.addError(error instanceof Error ? error : String(error));
        throw error;
      } finally {
        subsegment.close();
        tracer.setSegment(parent);
      }
    },
    record(name, recorded) {
      const parent = tracer.getSegment();
      if (parent === undefined) return;
      // One subsegment in this invocation's trace, naming every request trace it served.
      const subsegment = parent.addNewSubsegment(name);
      annotate(subsegment, recorded.attributes, recorded.parents[0]);
      subsegment.addMetadata(
        'request_traceparents',
        recorded.parents.map((each) => each.traceparent),
      );
      if (recorded.failed === true) subsegment.addErrorFlag();
      subsegment.start_time = recorded.startMs / 1000;
      subsegment.close();
      (subsegment as { end_time?: number }).end_time = recorded.endMs / 1000;
    },
    current() {
      const segment = tracer.getSegment();
      const root = tracer.getRootXrayTraceId();
      if (segment === undefined || root === undefined) return undefined;
      const traceparent = traceparentFromXRay(root, segment.id, tracer.isTraceSampled());
      return traceparent === undefined ? undefined : { traceparent };
    },
  };
}
