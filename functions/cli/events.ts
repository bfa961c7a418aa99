/**
 * `tally events tail`: follow the events a running local Tally publishes (its `GET /events/stream`,
 * server-sent events), one line per event.
 */
import { z } from 'zod';
import { DEFAULT_URL } from './admin-http.ts';
import {
  CliFailure,
  type Command,
  EXIT_OK,
  type Io,
  stringValue,
  UsageError,
  type Values,
} from './command.ts';

/** What a line needs of a CloudEvent; the rest is passed through untouched with `--json`. */
const cloudEvent = z.looseObject({
  id: z.string(),
  type: z.string(),
  subject: z.string().optional(),
  time: z.string().optional(),
  data: z.unknown().optional(),
});

/** `2026-12-06T04:30:00.000Z tally.wallet.deposited w1 amount=120.5 id=…`: the figures a reader looks for first. */
export function eventLine(json: string): string {
  const parsed = cloudEvent.safeParse(JSON.parse(json));
  if (!parsed.success) return json;
  const { id, type, subject, time, data } = parsed.data;
  const figures =
    data !== null && typeof data === 'object'
      ? ['amount', 'points', 'action', 'cause']
          .filter((name) => name in data)
          .map((name) => `${name}=${String((data as Record<string, unknown>)[name])}`)
      : [];
  return [time ?? '-', type, subject ?? '-', ...figures, `id=${id}`].join(' ');
}

/**
 * Splits a server-sent-events byte stream into the `data` of each `cloudevent` frame (comments and
 * other events skipped), as the frames complete.
 */
export async function* sseData(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of body) {
    buffered += decoder.decode(chunk, { stream: true });
    for (let end = buffered.indexOf('\n\n'); end !== -1; end = buffered.indexOf('\n\n')) {
      const frame = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const lines = frame.split('\n');
      const event =
        lines
          .find((line) => line.startsWith('event:'))
          ?.slice(6)
          .trim() ?? 'message';
      const data = lines
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).replace(/^ /, ''))
        .join('\n');
      if (event === 'cloudevent' && data !== '') yield data;
    }
  }
}

async function tail(values: Values, io: Io): Promise<number> {
  const base = (stringValue(values, 'url') ?? (io.env.TALLY_URL || DEFAULT_URL)).replace(/\/+$/, '');
  const token = stringValue(values, 'token') ?? (io.env.TALLY_TOKEN || io.env.TALLY_ADMIN_TOKEN);
  const countText = stringValue(values, 'count');
  const count = countText === undefined ? undefined : Number(countText);
  if (count !== undefined && !(Number.isInteger(count) && count > 0))
    throw new UsageError('--count must be a positive whole number');
  let url: URL;
  try {
    url = new URL(`${base}/events/stream`);
  } catch {
    throw new UsageError(`--url must be an http(s) URL, got "${base}"`);
  }
  if (values['from-start'] === true) url.searchParams.set('from-start', '1');
  let response: Response;
  try {
    response = await io.fetch(url, {
      headers: { accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: unknown } }).cause;
    throw new CliFailure(
      `tally events tail: cannot reach ${base} (${typeof cause?.code === 'string' ? cause.code : String(error)}); is \`npx tally dev\` running?`,
    );
  }
  if (!response.ok || response.body === null) {
    const text = await response.text();
    throw new CliFailure(`tally events tail: ${url.pathname} answered ${response.status} ${text}`);
  }
  let seen = 0;
  for await (const data of sseData(response.body)) {
    io.out(values.json === true ? data : eventLine(data));
    seen += 1;
    if (count !== undefined && seen >= count) {
      await response.body.cancel().catch(() => undefined);
      break;
    }
  }
  return EXIT_OK;
}

export const eventsCommand: Command = {
  summary: 'follow the CloudEvents a running local Tally publishes',
  usage: [
    'tally events tail [--from-start] [--json] [--url URL] [--token TOKEN] [--count N]',
    '',
    '  --from-start   first the events the local bus still keeps (the last 1000), then new ones',
    '  --json         one CloudEvent (structured JSON) per line, as published',
    '  --url URL      the local Tally (env TALLY_URL; default http://localhost:8080)',
    '  --token TOKEN  a token with the events:read scope (env TALLY_TOKEN), needed with `tally dev --auth`',
    '  --count N      stop after N events',
    '',
    'Prints one line per event until interrupted: time, type, subject, amount or points, id.',
  ].join('\n'),
  options: {
    'from-start': { type: 'boolean' },
    json: { type: 'boolean' },
    url: { type: 'string' },
    token: { type: 'string' },
    count: { type: 'string' },
  },
  positionals: true,
  run: async (values, positionals, io) => {
    const [action, ...rest] = positionals;
    if (action !== 'tail' || rest.length > 0) throw new UsageError('say "tail"');
    return tail(values, io);
  },
};
