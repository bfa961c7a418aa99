/**
 * Errors that mean the store (or queue) could not be reached at all: the connection was refused,
 * reset or timed out, or the endpoint answered with a server error. None is the request's fault
 * or a bug of ours, and the request changed nothing the caller was told about, so the answer is a
 * 503 with Retry-After (issue 15 §8), not a 500. Locally this is DynamoDB Local's JVM gone; in AWS
 * a network fault or a regional outage.
 */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** SDK error names for a request that never got a service answer, or a 5xx the SDK gave up on. */
const UNAVAILABLE_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'NetworkingError',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
]);

/** How deep to follow `cause` and AggregateError members: a bound on every loop. */
const DEPTH_MAX = 4;

export function isUnreachable(error: unknown, depth = 0): boolean {
  if (depth > DEPTH_MAX || typeof error !== 'object' || error === null) return false;
  const candidate = error as {
    code?: unknown;
    name?: unknown;
    cause?: unknown;
    errors?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  if (typeof candidate.code === 'string' && NETWORK_CODES.has(candidate.code)) return true;
  if (typeof candidate.name === 'string' && UNAVAILABLE_NAMES.has(candidate.name)) return true;
  const status = candidate.$metadata?.httpStatusCode;
  if (typeof status === 'number' && status >= 500 && status !== 501) return true;
  if (Array.isArray(candidate.errors) && candidate.errors.some((inner) => isUnreachable(inner, depth + 1)))
    return true;
  return isUnreachable(candidate.cause, depth + 1);
}
