/**
 * `tally republish`: publish again every event recorded in a window, through the API's
 * POST /republish (a job, followed until it is done): for a window the outbox relay missed.
 */
import { adminRequest, adminTarget } from './admin-http.ts';
import { type Command, EXIT_OK, type Io, stringValue, UsageError, type Values } from './command.ts';
import { duration, followJob, type JobReport } from './jobs.ts';
import { cell, formatTable } from './table.ts';

const TOTALS = ['scanned', 'events', 'published', 'rejected'] as const;

function jobSummary(report: JobReport): string {
  const { totals, changes, params } = report;
  const lines = [
    `Re-publish job ${report.jobId} done${duration(report)}: events recorded in [${cell(params?.from)}, ${cell(params?.to)}).`,
    '',
    formatTable(
      ['total', 'value'],
      TOTALS.map((name) => [name, cell(totals[name] ?? 0)]),
    ),
  ];
  if (changes.length > 0) {
    lines.push(
      '',
      `Events no bus could take (${changes.length}):`,
      formatTable(
        ['wallet', 'lane', 'version', 'CloudEvent id', 'code', 'reason'],
        changes.map((line) => [
          cell(line.walletId),
          cell(line.lane),
          cell(line.version),
          cell(line.cloudEventId),
          cell(line.code),
          cell(line.reason),
        ]),
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}

async function runRepublish(values: Values, _positionals: string[], io: Io): Promise<number> {
  const target = adminTarget(values, io.env);
  const from = stringValue(values, 'from');
  const to = stringValue(values, 'to');
  if (from === undefined || to === undefined) {
    throw new UsageError('--from and --to are both needed (RFC 3339 times)');
  }
  const accepted = await adminRequest(io, target, 'POST', '/republish', { from, to });
  const report = await followJob(io, target, accepted, {
    kind: 'republish',
    unit: 'events',
    walk: 'scanned',
  });
  io.out(values.json === true ? JSON.stringify(report, null, 2) : jobSummary(report));
  return EXIT_OK;
}

export const republishCommand: Command = {
  summary: 'publish again every event recorded in a window (a job): for a window the outbox relay missed',
  usage: [
    'tally republish --from TIME --to TIME [--json] [--url URL] [--token TOKEN]',
    '',
    '  --from TIME     the window’s start (RFC 3339, e.g. 2026-12-07T05:00:00Z), included',
    '  --to TIME       its end, excluded; over already, at most 7 days after --from',
    '  --json          print the job’s final report (JSON) instead of a table',
    `  --url URL       the Tally API (env TALLY_URL; default http://localhost:8080)`,
    '  --token TOKEN   the admin bearer token (env TALLY_ADMIN_TOKEN, which keeps it out of `ps`)',
    '',
    'The same CloudEvents as the relay published or would have (same ids): consumers that dedupe by',
    'id see nothing new for an event they had. The job reads every item of the table (a Scan).',
  ].join('\n'),
  options: {
    from: { type: 'string' },
    to: { type: 'string' },
    json: { type: 'boolean' },
    url: { type: 'string' },
    token: { type: 'string' },
  },
  run: runRepublish,
};
