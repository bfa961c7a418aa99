import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { useTracing } from '#observability/tracing.ts';

/** How the local runtime traces (`tally dev --otel [URL]`, the debug log, tests). */
export interface LocalTracingOptions {
  /** Export OTLP/HTTP (JSON) to this collector URL, e.g. http://localhost:4318/v1/traces. */
  otlpUrl?: string;
  /** Also export to these (tests: an in-memory exporter), span by span. */
  exporters?: SpanExporter[];
  /** One summary line per trace in the log. @default when POWERTOOLS_LOG_LEVEL is DEBUG (or TRACE) */
  summary?: boolean;
}

/** The collector `--otel` without a URL sends to: an OpenTelemetry Collector's (or Jaeger's) OTLP/HTTP port. */
export const DEFAULT_OTLP_URL = 'http://localhost:4318/v1/traces';

const isDebugLevel = (level: string | undefined) =>
  ['DEBUG', 'TRACE'].includes((level ?? '').trim().toUpperCase());

/**
 * Starts OpenTelemetry for the handlers of this process when anything would receive its spans;
 * otherwise loads nothing (tracing off costs one function call per span site). Returns how to stop it.
 */
export async function startLocalTracing(
  options: LocalTracingOptions | undefined,
  env: Record<string, string | undefined>,
  log: (line: string) => void,
): Promise<{ stop(): Promise<void> } | undefined> {
  const summary = options?.summary ?? isDebugLevel(env.POWERTOOLS_LOG_LEVEL);
  if (options?.otlpUrl === undefined && (options?.exporters ?? []).length === 0 && !summary) return undefined;
  // Loaded here only: the SDK stays out of every Lambda bundle and out of runs that do not trace.
  const [{ startOtelTracing }, { TraceSummaryExporter }] = await Promise.all([
    import('./otel-tracing.ts'),
    import('./trace-summary.ts'),
  ]);
  const batched: SpanExporter[] = [];
  if (options?.otlpUrl !== undefined) {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    batched.push(new OTLPTraceExporter({ url: options.otlpUrl }));
    log(`tracing: OTLP/HTTP to ${options.otlpUrl}`);
  }
  const immediate = [...(options?.exporters ?? [])];
  if (summary) immediate.push(new TraceSummaryExporter(log));
  const otel = startOtelTracing({ batched, immediate, serviceName: env.POWERTOOLS_SERVICE_NAME ?? 'tally' });
  const previous = useTracing(otel.tracing);
  return {
    stop: async () => {
      useTracing(previous);
      await otel
        .shutdown()
        .catch((error: unknown) => log(`tracing: the exporter did not stop cleanly: ${String(error)}`));
    },
  };
}
