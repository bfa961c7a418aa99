import { Logger } from '@aws-lambda-powertools/logger';
import type { LogItemExtraInput, LogItemMessage } from '@aws-lambda-powertools/logger/types';
import { traceIdOf } from './trace-context.ts';
import { tracing } from './tracing.ts';

/** The extra inputs of a log call, plus `{ trace_id }` of the active span (W3C form) when there is one. */
const withTraceId = (extra: LogItemExtraInput): LogItemExtraInput => {
  const traceId = traceIdOf(tracing().current());
  return traceId === undefined ? extra : ([...extra, { trace_id: traceId }] as LogItemExtraInput);
};

/**
 * Log lines carry the trace id of the span they are written in (`trace_id`, the W3C trace id the
 * published CloudEvents' traceparent holds; in AWS also Powertools' own `xray_trace_id`). Read at
 * each call: concurrent requests of the local runtime share this logger.
 */
class TracedLogger extends Logger {
  override debug(input: LogItemMessage, ...extra: LogItemExtraInput): void {
    super.debug(input, ...withTraceId(extra));
  }
  override info(input: LogItemMessage, ...extra: LogItemExtraInput): void {
    super.info(input, ...withTraceId(extra));
  }
  override warn(input: LogItemMessage, ...extra: LogItemExtraInput): void {
    super.warn(input, ...withTraceId(extra));
  }
  override error(input: LogItemMessage, ...extra: LogItemExtraInput): void {
    super.error(input, ...withTraceId(extra));
  }
  override critical(input: LogItemMessage, ...extra: LogItemExtraInput): void {
    super.critical(input, ...withTraceId(extra));
  }
}

/** One logger per function instance (Powertools reads its env config); the metrics buffer is in metrics.ts. */
export const logger: Logger = new TracedLogger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'tally',
});
