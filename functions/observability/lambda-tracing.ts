import { useTracingIfNone } from './tracing.ts';

/**
 * The Lambda side of tracing: when the function runs with active tracing (Lambda sets
 * `_X_AMZN_TRACE_ID` per invocation) and Powertools tracing is not turned off, the Powertools
 * Tracer adapter (X-Ray) is installed on the first invocation. Loaded lazily: the X-Ray SDK is
 * evaluated only where it traces, never in the local runtime (which installs OpenTelemetry).
 */
let loading: Promise<void> | undefined;

const lambdaTracingWanted = (env: NodeJS.ProcessEnv): boolean =>
  env.AWS_LAMBDA_FUNCTION_NAME !== undefined &&
  env._X_AMZN_TRACE_ID !== undefined &&
  (env.POWERTOOLS_TRACE_ENABLED ?? 'true').toLowerCase() !== 'false';

export function installLambdaTracing(env: NodeJS.ProcessEnv = process.env): Promise<void> | undefined {
  if (!lambdaTracingWanted(env)) return undefined;
  loading ??= Promise.all([import('@aws-lambda-powertools/tracer'), import('./powertools-tracing.ts')]).then(
    ([{ Tracer }, { powertoolsTracing }]) => {
      const tracer = new Tracer({
        serviceName: env.POWERTOOLS_SERVICE_NAME ?? 'tally',
        captureHTTPsRequests: false,
      });
      useTracingIfNone(() => powertoolsTracing(tracer));
    },
  );
  return loading;
}
