import { noTracing, type Tracing } from '#ports/tracing.ts';

/**
 * The tracing of this process, read at each use: a Lambda instance installs the Powertools
 * (X-Ray) adapter once; the local runtime installs OpenTelemetry when it starts (`--otel`, or the
 * debug log's summaries), possibly after handler modules loaded. Until then it is `noTracing`.
 */
let installed: Tracing = noTracing;

export const tracing = (): Tracing => installed;

/** Installs `next`; returns what was installed before (tests and a stopping runtime put it back). */
export function useTracing(next: Tracing): Tracing {
  const previous = installed;
  installed = next;
  return previous;
}

/** Installs `next` only when nothing is installed (a Lambda handler module must not replace the local runtime's). */
export function useTracingIfNone(next: () => Tracing): void {
  if (installed === noTracing) installed = next();
}

/** The installed tracing, looked up at each call: for dependencies built before the runtime installs it. */
export const activeTracing: Tracing = {
  span: (name, options, work) => installed.span(name, options, work),
  record: (name, span) => installed.record(name, span),
  current: () => installed.current(),
};
