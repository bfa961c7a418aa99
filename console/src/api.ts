import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { type Problem, type TallyClient, tallyClient } from '../../functions/client/api-client.ts';
import { session } from './session.ts';

/**
 * The console's way to the HTTP API: the typed client (openapi-fetch over the contract's generated
 * types, functions/client/) with the signed-in token, plus what pages need around it.
 *
 *   const wallet = await call(api().GET('/wallets/{wallet_id}', { params: { path: { wallet_id } } }));
 */
export type { Problem, TallyClient };

function baseUrl(): string {
  return session().config.apiUrl || location.origin;
}

function authorization(): Record<string, string> {
  const token = session().token;
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
}

/** The typed client for the configured API, sending the current token. */
export function api(): TallyClient {
  const token = session().token;
  return tallyClient(baseUrl(), token === undefined ? {} : { token });
}

/** An answer that was not 2xx: the RFC 9457 problem when the API sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Partial<Problem> | undefined,
  ) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
    this.name = 'ApiError';
  }
}

/** The data of a typed call, or an ApiError: `await call(api().GET(...))`. */
export async function call<T>(
  pending: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await pending;
  if (error !== undefined || !response.ok) throw new ApiError(response.status, error as Partial<Problem>);
  return data as T;
}

/** fetch against the API with the token, for what the typed client does not cover (streams). */
export function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = { ...authorization(), ...(init.headers as Record<string, string> | undefined) };
  return fetch(new URL(path, baseUrl()), { ...init, headers });
}

/** One line for an error: the problem's detail, else the message. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    const title = error.problem?.title ?? `HTTP ${error.status}`;
    return error.problem?.detail === undefined ? title : `${title}: ${error.problem.detail}`;
  }
  return error instanceof Error ? error.message : String(error);
}

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Loads again (keeps showing the old data meanwhile). */
  reload: () => void;
}

/**
 * Runs `load` when `deps` change (and on reload()); an answer that arrives after a newer request
 * started is dropped, so a slow old answer never overwrites a new one.
 */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const [generation, setGeneration] = useState(0);
  const latest = useRef(0);
  // The caller's deps decide when to load (as with useEffect's own list).
  useEffect(() => {
    const controller = new AbortController();
    const request = ++latest.current;
    setState((previous) => ({ ...previous, loading: true }));
    load(controller.signal).then(
      (data) => {
        if (request === latest.current) setState({ data, error: undefined, loading: false });
      },
      (error: unknown) => {
        if (request === latest.current && !controller.signal.aborted)
          setState((previous) => ({ data: previous.data, error, loading: false }));
      },
    );
    return () => controller.abort();
  }, [...deps, generation]);
  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return { ...state, reload };
}

/**
 * Follows `GET /events/stream` (the local runtime's published CloudEvents as server-sent events),
 * with the bearer token, which EventSource cannot send. Calls `onEvent` per event until `signal`;
 * `onOpen` once the stream answered (the server follows the bus from before its answer, so from
 * then on nothing published is missed).
 */
export async function followEvents(
  onEvent: (event: { id: string; type: string; data: unknown }) => void,
  signal: AbortSignal,
  onOpen?: () => void,
): Promise<void> {
  const response = await apiFetch('/events/stream', { signal, headers: { accept: 'text/event-stream' } });
  if (!response.ok || response.body === null) throw new ApiError(response.status, undefined);
  onOpen?.();
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end = buffer.indexOf('\n\n');
    while (end !== -1) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
      const field = (name: string) =>
        frame
          .split('\n')
          .filter((line) => line.startsWith(`${name}: `))
          .map((line) => line.slice(name.length + 2))
          .join('\n');
      const data = field('data');
      if (data !== '') onEvent({ id: field('id'), type: field('event'), data: JSON.parse(data) as unknown });
    }
  }
}
