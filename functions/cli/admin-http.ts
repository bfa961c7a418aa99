/**
 * The CLI's side of Tally's admin routes: where the API is, the bearer token, one JSON request,
 * and the answers that are failures (problem+json, an unreachable server) turned into one line.
 */
import { CliFailure, type Io, stringValue, UsageError, type Values } from './command.ts';

export const DEFAULT_URL = 'http://localhost:8080';
/** A request that gets no answer within this long is given up on. */
const REQUEST_TIMEOUT_MS = 120_000;

export interface AdminTarget {
  /** The API's base URL, without a trailing slash. */
  base: string;
  token?: string;
}

export interface AdminAnswer {
  status: number;
  headers: Headers;
  body: unknown;
  /** The URL that was asked. */
  url: string;
}

/**
 * `--url` (else TALLY_URL, else localhost:8080) and `--token` (else TALLY_TOKEN, a JWT from
 * `tally token` or your issuer, else TALLY_ADMIN_TOKEN, the local shared secret).
 */
export function adminTarget(values: Values, env: NodeJS.ProcessEnv): AdminTarget {
  const url = stringValue(values, 'url') ?? (env.TALLY_URL || DEFAULT_URL);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url must be an http(s) URL, got "${url}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`--url must be an http(s) URL, got "${url}"`);
  }
  const token = stringValue(values, 'token') ?? (env.TALLY_TOKEN || env.TALLY_ADMIN_TOKEN);
  return { base: url.replace(/\/+$/, ''), ...(token ? { token } : {}) };
}

/** Why fetch threw, in a few words (ECONNREFUSED, ENOTFOUND, a timeout…). */
function networkReason(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  }
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** One line per entry of a problem's `errors` (rule errors have a line and a column). */
function problemErrorLines(errors: unknown, source: string): string[] {
  if (!Array.isArray(errors)) return [];
  return errors.map((error: { line?: unknown; column?: unknown; message?: unknown }) =>
    typeof error?.line === 'number' && typeof error.column === 'number'
      ? `  ${source}:${error.line}:${error.column}: ${String(error.message)}`
      : `  ${typeof error?.message === 'string' ? error.message : JSON.stringify(error)}`,
  );
}

/**
 * Sends one request with the admin token and answers its JSON. A problem+json answer, any other
 * non-2xx answer, a body that is not JSON and an unreachable server become a CliFailure.
 */
export async function adminRequest(
  io: Io,
  target: AdminTarget,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  body?: unknown,
  options: { source?: string /** Send `body` (a string) as text/plain, not as JSON. */; text?: boolean } = {},
): Promise<AdminAnswer> {
  const url = `${target.base}${path}`;
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
  if (body !== undefined) headers['content-type'] = options.text ? 'text/plain' : 'application/json';
  if (target.token) headers.authorization = `Bearer ${target.token}`;
  let response: Response;
  let text: string;
  try {
    response = await io.fetch(url, {
      method,
      headers,
      ...(body === undefined ? {} : { body: options.text ? String(body) : JSON.stringify(body) }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    text = await response.text();
  } catch (error) {
    throw new CliFailure(
      `tally: cannot reach Tally at ${target.base} (${networkReason(error)}).\n` +
        `Is it running? Start it with \`npm start\`, or point --url (or TALLY_URL) at a running Tally.`,
    );
  }
  const contentType = response.headers.get('content-type') ?? '';
  if (!response.ok) {
    if (contentType.includes('problem+json') || contentType.includes('json')) {
      try {
        const problem = JSON.parse(text) as {
          title?: unknown;
          detail?: unknown;
          status?: unknown;
          errors?: unknown;
        };
        if (typeof problem.title === 'string') {
          const status = typeof problem.status === 'number' ? problem.status : response.status;
          const detail = typeof problem.detail === 'string' ? `: ${problem.detail}` : '';
          const lines = problemErrorLines(problem.errors, options.source ?? '<rules>');
          throw new CliFailure([`tally: ${status} ${problem.title}${detail}`, ...lines].join('\n'));
        }
      } catch (error) {
        if (error instanceof CliFailure) throw error;
        // Not a problem document after all: reported below as text.
      }
    }
    const excerpt = text.trim().slice(0, 300);
    throw new CliFailure(
      `tally: ${response.status} ${response.statusText || 'error'} from ${method} ${url}${excerpt ? `: ${excerpt}` : ''}`,
    );
  }
  try {
    return {
      status: response.status,
      headers: response.headers,
      body: text === '' ? null : JSON.parse(text),
      url,
    };
  } catch {
    throw new CliFailure(`tally: ${method} ${url} answered ${response.status} with a body that is not JSON`);
  }
}

/** The answer's body as an object, or a failure naming what was expected. */
export function objectBody(answer: AdminAnswer, what: string): Record<string, unknown> {
  const { body } = answer;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new CliFailure(`tally: ${answer.url} answered ${answer.status} without ${what}`);
  }
  return body as Record<string, unknown>;
}
