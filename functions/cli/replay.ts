/**
 * `tally replay`: rebuild read models from the event store through the API's POST /replay, for
 * one wallet (answered at once) or for every wallet (a job, followed until it is done).
 */
import { adminRequest, adminTarget, objectBody } from './admin-http.ts';
import { type Command, EXIT_OK, type Io, stringValue, type Values } from './command.ts';
import { duration, followJob, type JobReport } from './jobs.ts';
import { cell, formatTable } from './table.ts';

const VIEW_FIELDS = ['balance', 'points', 'aboveThreshold', 'version'] as const;

type View = Record<string, unknown> | null | undefined;

const field = (view: View, name: string): string => (view ? cell(view[name]) : '—');

/** "a → b" when a field changed, else its value. */
const change = (before: View, after: View, name: string): string => {
  const from = field(before, name);
  const to = field(after, name);
  return from === to ? to : `${from} → ${to}`;
};

function outcome(line: Record<string, unknown>, dryRun: boolean): string {
  if (line.changed !== true) return 'the read model matches the event log';
  if (line.written === true) return 'the read model differed from the event log and was rewritten';
  if (dryRun) return 'the read model differs from the event log; dry run, nothing written';
  return 'the read model differed from the event log but was not written (it holds newer events)';
}

function walletSummary(answer: Record<string, unknown>): string {
  const before = answer.before as View;
  const after = answer.after as View;
  const dryRun = answer.dryRun === true;
  const rows = VIEW_FIELDS.map((name) => {
    const from = field(before, name);
    const to = field(after, name);
    return [name, from, to, from === to ? '' : 'changed'];
  });
  return [
    `Replay of wallet ${cell(answer.walletId)}${dryRun ? ' (dry run)' : ''}: ${cell(answer.events)} events; ${outcome(answer, dryRun)}.`,
    '',
    formatTable(['field', 'before', 'after', ''], rows),
    '',
  ].join('\n');
}

function jobSummary(report: JobReport): string {
  const dryRun = report.params?.dryRun === true;
  const { totals, changes } = report;
  const lines = [
    `Replay job ${report.jobId} done${duration(report)}${dryRun ? ' (dry run: nothing written)' : ''}.`,
    '',
    formatTable(
      ['total', 'value'],
      ['wallets', 'events', 'changed', 'written'].map((name) => [name, cell(totals[name] ?? 0)]),
    ),
  ];
  const changed = Number(totals.changed ?? changes.length);
  if (changes.length > 0) {
    lines.push(
      '',
      changes.length < changed
        ? `First changes (${changes.length} of ${changed}):`
        : `Changes (${changes.length}):`,
      formatTable(
        ['wallet', 'events', 'written', ...VIEW_FIELDS],
        changes.map((line) => [
          cell(line.walletId),
          cell(line.events),
          line.written === true ? 'yes' : 'no',
          ...VIEW_FIELDS.map((name) => change(line.before as View, line.after as View, name)),
        ]),
      ),
    );
  } else {
    lines.push('', 'No read model differed from the event log.');
  }
  return `${lines.join('\n')}\n`;
}

async function runReplay(values: Values, _positionals: string[], io: Io): Promise<number> {
  const target = adminTarget(values, io.env);
  const walletId = stringValue(values, 'wallet');
  const dryRun = values['dry-run'] === true;
  const json = values.json === true;

  if (walletId !== undefined) {
    const answer = await adminRequest(io, target, 'POST', '/replay', { walletId, dryRun });
    const body = objectBody(answer, 'a replay result');
    io.out(json ? JSON.stringify(body, null, 2) : walletSummary(body));
    return EXIT_OK;
  }

  const accepted = await adminRequest(io, target, 'POST', '/replay', { dryRun });
  const report = await followJob(io, target, accepted, { kind: 'replay', unit: 'events' });
  io.out(json ? JSON.stringify(report, null, 2) : jobSummary(report));
  return EXIT_OK;
}

export const replayCommand: Command = {
  summary: 'rebuild wallet read models from the event store (one wallet, or every wallet as a job)',
  usage: [
    'tally replay [--wallet ID] [--dry-run] [--json] [--url URL] [--token TOKEN]',
    '',
    '  --wallet ID     replay this wallet only (answered at once); without it, every wallet as a job,',
    '                  followed with a progress bar until it is done',
    '  --dry-run       compare only: say what would change, write nothing',
    '  --json          print the API’s final JSON (the answer, or the job’s report) instead of tables',
    `  --url URL       the Tally API (env TALLY_URL; default http://localhost:8080)`,
    '  --token TOKEN   the admin bearer token (env TALLY_ADMIN_TOKEN, which keeps it out of `ps`)',
  ].join('\n'),
  options: {
    wallet: { type: 'string', short: 'w' },
    'dry-run': { type: 'boolean' },
    json: { type: 'boolean' },
    url: { type: 'string' },
    token: { type: 'string' },
  },
  run: runReplay,
};
