/**
 * `tally dlq list|show|redrive` (dead letters): what is parked in the events and jobs DLQs and why,
 * through the API's admin routes (GET /dead-letters[/{id}], POST /dead-letters[/{id}]/redrive); the same against
 * `npm start` (its local queues) and a deployed stack.
 */
import { adminRequest, adminTarget, objectBody } from './admin-http.ts';
import { type Command, EXIT_OK, type Io, stringValue, UsageError, type Values } from './command.ts';
import { cell, formatTable } from './table.ts';

const BODY_CHARS_SHOWN = 60;

const queueQuery = (values: Values): string => {
  const queue = stringValue(values, 'queue');
  if (queue !== undefined && queue !== 'events' && queue !== 'jobs') {
    throw new UsageError(`--queue must be events or jobs, got "${queue}"`);
  }
  return queue === undefined ? '' : `queue=${queue}`;
};

const excerpt = (text: unknown): string => {
  const flat = String(text ?? '').replace(/\s+/g, ' ');
  return flat.length > BODY_CHARS_SHOWN ? `${flat.slice(0, BODY_CHARS_SHOWN - 1)}…` : flat;
};

/** One letter for a person: what it is and why it failed, then its body, pretty when it is JSON. */
function showLetter(letter: Record<string, unknown>): string {
  let body = String(letter.body ?? '');
  try {
    body = JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    // Not JSON: shown as it arrived.
  }
  return [
    `id:       ${cell(letter.id)}`,
    `queue:    ${cell(letter.queue)}`,
    `code:     ${cell(letter.code ?? '—')}`,
    `reason:   ${cell(letter.reason)}`,
    `received: ${cell(letter.receiveCount)} time(s)`,
    `parked:   ${cell(letter.parkedAt ?? '—')}`,
    'body:',
    body,
    '',
  ].join('\n');
}

async function runDeadLetters(values: Values, positionals: string[], io: Io): Promise<number> {
  const [action, id, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError('too many arguments');
  const target = adminTarget(values, io.env);
  const queue = queueQuery(values);
  const json = values.json === true;
  if (action === 'list') {
    if (id !== undefined) throw new UsageError('list takes no id');
    const limit = stringValue(values, 'limit');
    const query = [queue, limit === undefined ? '' : `limit=${encodeURIComponent(limit)}`]
      .filter(Boolean)
      .join('&');
    const answer = objectBody(
      await adminRequest(io, target, 'GET', `/dead-letters${query ? `?${query}` : ''}`),
      'a list of dead letters',
    );
    const letters = Array.isArray(answer.letters) ? (answer.letters as Record<string, unknown>[]) : [];
    if (json) io.out(JSON.stringify(answer, null, 2));
    else if (letters.length === 0) io.out('No dead letters: nothing accepted is parked.\n');
    else {
      const rows = letters.map((letter) => [
        cell(letter.id),
        cell(letter.queue),
        cell(letter.code ?? '—'),
        cell(letter.reason),
        excerpt(letter.body),
      ]);
      io.out(`${formatTable(['id', 'queue', 'code', 'reason', 'body'], rows)}\n`);
    }
    return EXIT_OK;
  }
  if (action === 'show') {
    if (id === undefined)
      throw new UsageError('show needs the id of a parked message (tally dlq list shows them)');
    const letter = objectBody(
      await adminRequest(
        io,
        target,
        'GET',
        `/dead-letters/${encodeURIComponent(id)}${queue ? `?${queue}` : ''}`,
      ),
      'a dead letter',
    );
    io.out(json ? JSON.stringify(letter, null, 2) : showLetter(letter));
    return EXIT_OK;
  }
  if (action === 'redrive') {
    if (id === undefined && values.all !== true) {
      throw new UsageError('redrive needs an id, or --all for every parked message');
    }
    const path =
      id === undefined ? '/dead-letters/redrive' : `/dead-letters/${encodeURIComponent(id)}/redrive`;
    const answer = objectBody(
      await adminRequest(io, target, 'POST', `${path}${queue ? `?${queue}` : ''}`),
      'a redrive result',
    );
    const redriven = Array.isArray(answer.redriven) ? answer.redriven.length : 0;
    io.out(json ? JSON.stringify(answer, null, 2) : `Redriven ${redriven} message(s) back to their queue.\n`);
    return EXIT_OK;
  }
  throw new UsageError('say list, show or redrive');
}

export const deadLettersCommand: Command = {
  summary:
    'list parked (dead-lettered) messages with their reason, show one whole, and redrive them to their queue',
  usage: [
    'tally dlq list [--queue events|jobs] [--limit N] [--json] [--url URL] [--token TOKEN]',
    'tally dlq show ID [--queue events|jobs] [--json] [--url URL] [--token TOKEN]',
    'tally dlq redrive ID|--all [--queue events|jobs] [--json] [--url URL] [--token TOKEN]',
    '',
    '  --queue Q       only the events DLQ or the jobs DLQ (default: both)',
    '  --all           redrive every parked message (fix the cause first: a rule, a payload)',
    '  --json          print the API’s JSON',
    `  --url URL       the Tally API (env TALLY_URL; default http://localhost:8080)`,
    '  --token TOKEN   the admin bearer token (env TALLY_ADMIN_TOKEN, which keeps it out of `ps`)',
  ].join('\n'),
  options: {
    queue: { type: 'string' },
    limit: { type: 'string' },
    all: { type: 'boolean' },
    json: { type: 'boolean' },
    url: { type: 'string' },
    token: { type: 'string' },
  },
  positionals: true,
  run: runDeadLetters,
};
