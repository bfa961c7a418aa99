/**
 * Group commit serves several requests with one transaction, run in the async context of whichever
 * request's turn drains the queue. Each waiting command keeps its own caller's trace context
 * (captured when it queues), so its events and any run alone stay in that caller's trace.
 */

import { tracing } from '#observability/tracing.ts';
import type { NewEvent } from '#ports/event-store.ts';
import type { TraceContext } from '#ports/tracing.ts';

/** The caller's trace context, to keep with a command that waits for a batch. */
export const callerTrace = (): TraceContext | undefined => tracing().current();

/**
 * The events with the command's own caller's trace context. The traced store stamps events with
 * the active span's context only where an event carries none, so these keep their caller's.
 */
export function withTrace(events: readonly NewEvent[], context: TraceContext | undefined): NewEvent[] {
  if (context === undefined) return [...events];
  return events.map((event) => (event.traceparent ? event : { ...event, ...context }));
}

/**
 * Runs `work` (a command alone) in its caller's trace: as is when that is the active trace, else
 * in a span continuing the caller's, so the events the traced store stamps carry the caller's.
 */
export function inCallerTrace<T>(context: TraceContext | undefined, work: () => Promise<T>): Promise<T> {
  if (context === undefined || tracing().current()?.traceparent === context.traceparent) return work();
  return tracing().span('group-commit alone', { parent: context, kind: 'internal' }, work);
}
