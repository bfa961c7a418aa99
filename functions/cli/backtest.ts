/**
 * `tally backtest`: run a candidate rule set over the stored facts through POST /rules/backtest
 * and show, per wallet, the points awarded then against the points the candidate would award. A
 * dry run sends the file's text; `--apply --version N` appends the adjustments of published
 * version N. The file is compiled here first, as `tally rules check` does, so a broken file costs
 * no request. Facts parked in the events DLQ because a rule failed on them were never stored: they
 * are looked up (GET /dead-letters) and evaluated here with the candidate, so the operator sees
 * what a redrive would record.
 */
import { sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { backtestParked, type ParkedFactBacktest, type ParkedLetter } from '#app/backtest-parked.ts';
import { DEAD_LETTERS_PAGE_MAX } from '#app/dead-letters.ts';
import type { CompiledRuleSet } from '#rules/types.ts';
import { type AdminTarget, adminRequest, adminTarget, objectBody } from './admin-http.ts';
import {
  CliFailure,
  type Command,
  EXIT_FAILED,
  EXIT_OK,
  EXIT_USAGE,
  type Io,
  stringValue,
  stringValues,
  UsageError,
  type Values,
} from './command.ts';
import { duration, followJob, type JobReport } from './jobs.ts';
import { loadRuleFile } from './rules-file.ts';
import { cell, formatTable, signed } from './table.ts';

function parseVersion(text: string): number {
  const version = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(version) || version < 1) {
    throw new UsageError(`--version must be a published rule-set version (1, 2, …), got "${text}"`);
  }
  return version;
}

function parseTime(text: string, flag: string): string {
  const ms = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text.trim()) || Number.isNaN(ms)) {
    throw new UsageError(`${flag} must be an ISO 8601 time such as 2026-11-01T00:00:00Z, got "${text}"`);
  }
  return new Date(ms).toISOString();
}

const WALLET_HEADER = ['wallet', 'facts', 'awarded', 'candidate', 'difference'];

function walletTable(
  lines: Record<string, unknown>[],
  apply: boolean,
  totals?: Record<string, unknown>,
): string {
  const row = (line: Record<string, unknown>, label: unknown) => [
    cell(label),
    cell(line.facts ?? 0),
    cell(line.awardedPoints ?? 0),
    cell(line.candidatePoints ?? 0),
    signed(line.difference ?? 0),
    ...(apply ? [cell(line.adjustmentsAppended ?? 0)] : []),
  ];
  const rows = lines.map((line) => row(line, line.walletId));
  if (totals !== undefined) rows.push(row(totals, 'total'));
  return formatTable([...WALLET_HEADER, ...(apply ? ['adjustments'] : [])], rows);
}

/** The wallets whose adjustments were refused (apply: points already spent or held), one line each. */
function refusals(lines: readonly Record<string, unknown>[]): string[] {
  return lines
    .filter((line) => typeof line.applyRefused === 'string')
    .map((line) => `Not applied to ${String(line.walletId)}: ${String(line.applyRefused)}`);
}

function totalsTable(totals: Record<string, unknown>): string {
  const names: [string, string][] = [
    ['wallets', 'wallets'],
    ['facts', 'facts'],
    ['walletsWithDifference', 'wallets with a difference'],
    ['awardedPoints', 'points awarded'],
    ['candidatePoints', 'points the candidate awards'],
    ['difference', 'difference'],
    ['adjustmentsAppended', 'adjustments appended'],
  ];
  return formatTable(
    ['total', 'value'],
    names.map(([key, label]) => [
      label,
      key === 'difference' ? signed(totals[key] ?? 0) : cell(totals[key] ?? 0),
    ]),
  );
}

function period(from: unknown, to: unknown): string {
  if (typeof from !== 'string' && typeof to !== 'string') return 'all stored facts';
  return `facts from ${typeof from === 'string' ? from : 'the first'} to ${typeof to === 'string' ? to : 'now'}`;
}

function mode(apply: boolean): string {
  return apply ? 'adjustments appended' : 'dry run, nothing appended';
}

function syncSummary(shown: string, answer: Record<string, unknown>, apply: boolean): string {
  const ruleSet = (answer.ruleSet ?? {}) as { textHash?: unknown; version?: unknown };
  const which =
    typeof ruleSet.version === 'number'
      ? `version ${ruleSet.version}`
      : `unpublished text${typeof ruleSet.textHash === 'string' ? ` ${ruleSet.textHash.slice(0, 12)}` : ''}`;
  const wallets = Array.isArray(answer.wallets) ? (answer.wallets as Record<string, unknown>[]) : [];
  const totals = (answer.totals ?? {}) as Record<string, unknown>;
  return [
    `Backtest of ${shown} (${which}) over ${period(answer.from, answer.to)}: ${mode(apply)}.`,
    '',
    walletTable(wallets, apply, totals),
    ...refusals(wallets),
    '',
    totalsTable(totals),
    '',
  ].join('\n');
}

function jobSummary(shown: string, report: JobReport, apply: boolean): string {
  const params = report.params ?? {};
  const from = typeof params.fromMs === 'number' ? new Date(params.fromMs).toISOString() : params.from;
  const to = typeof params.toMs === 'number' ? new Date(params.toMs).toISOString() : params.to;
  const differing = Number(report.totals.walletsWithDifference ?? report.changes.length);
  const lines = [
    `Backtest job ${report.jobId} of ${shown} done${duration(report)} over ${period(from, to)}: ${mode(apply)}.`,
    '',
    totalsTable(report.totals),
    '',
  ];
  if (report.changes.length === 0) {
    lines.push('No wallet differs.');
  } else {
    lines.push(
      report.changes.length < differing
        ? `Wallets with a difference (first ${report.changes.length} of ${differing}):`
        : `Wallets with a difference (${report.changes.length}):`,
      walletTable(report.changes, apply),
      ...refusals(report.changes),
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The facts parked because a rule failed on them, through the candidate: they were never stored,
 * so the stored-fact backtest cannot see them. Undefined when this Tally has no events DLQ.
 */
async function parkedFacts(
  io: Io,
  target: AdminTarget,
  ruleSet: CompiledRuleSet,
  scope: { walletIds?: string[]; from?: string; to?: string },
): Promise<ParkedFactBacktest[] | undefined> {
  const path = `/dead-letters?queue=events&limit=${DEAD_LETTERS_PAGE_MAX}`;
  let body: unknown;
  try {
    ({ body } = await adminRequest(io, target, 'GET', path));
  } catch (error) {
    // The stored-fact backtest stands on its own: a Tally without an events DLQ (or an older one)
    // only means the parked facts are not shown.
    if (!(error instanceof CliFailure)) throw error;
    io.err(`tally backtest: parked facts not looked at (${error.message.split('\n')[0]})`);
    return undefined;
  }
  const letters = (body as { letters?: ParkedLetter[] } | null)?.letters;
  if (!Array.isArray(letters)) return undefined;
  return backtestParked(
    letters,
    ruleSet,
    {
      ...(scope.walletIds === undefined ? {} : { walletIds: scope.walletIds }),
      ...(scope.from === undefined ? {} : { fromMs: Date.parse(scope.from) }),
      ...(scope.to === undefined ? {} : { toMs: Date.parse(scope.to) }),
    },
    Date.now(),
  );
}

function parkedSummary(parked: readonly ParkedFactBacktest[]): string {
  if (parked.length === 0) return 'No parked facts: nothing in scope was dead-lettered by a failing rule.\n';
  const rows = parked.map((fact) => [
    cell(fact.letterId),
    cell(fact.walletId),
    cell(fact.type),
    cell(fact.eventId),
    fact.ruleError === undefined ? cell(fact.candidatePoints) : `still fails: ${fact.ruleError}`,
  ]);
  const fixed = parked.filter((fact) => fact.ruleError === undefined).length;
  return [
    `Parked facts (dead-lettered because a rule failed; not in the totals above): ${fixed} of ${parked.length} would take effect with these rules.`,
    formatTable(['letter', 'wallet', 'type', 'event', 'candidate'], rows),
    fixed === 0
      ? ''
      : 'Once these rules are the active version (tally rules publish; ingest takes it up within seconds), `tally dlq redrive ID` (or --all) records them.',
    '',
  ].join('\n');
}

const parkedJson = (parked: readonly ParkedFactBacktest[]) =>
  parked.map((fact) => ({ ...fact, candidatePoints: Number(fact.candidatePoints) }));

async function runBacktest(values: Values, positionals: string[], io: Io): Promise<number> {
  if (positionals.length !== 1)
    throw new UsageError('backtest takes one rule file (or a directory holding one)');
  const apply = values.apply === true;
  const versionText = stringValue(values, 'version');
  if (apply && versionText === undefined) {
    throw new UsageError('--apply needs --version N: only a published rule set is applied');
  }
  if (!apply && versionText !== undefined) {
    throw new UsageError('--version goes with --apply; a dry run backtests the file’s text');
  }
  const version = versionText === undefined ? undefined : parseVersion(versionText);
  const walletIds = stringValues(values, 'wallet');
  const fromText = stringValue(values, 'from');
  const toText = stringValue(values, 'to');
  const from = fromText === undefined ? undefined : parseTime(fromText, '--from');
  const to = toText === undefined ? undefined : parseTime(toText, '--to');
  if (from !== undefined && to !== undefined && Date.parse(from) >= Date.parse(to)) {
    throw new UsageError('--from must be before --to');
  }
  const target = adminTarget(values, io.env);
  const json = values.json === true;

  const ruleFile = await loadRuleFile(positionals[0] as string, io.cwd);
  if (ruleFile.errors.length > 0) {
    for (const line of ruleFile.errors) io.err(line);
    return EXIT_FAILED;
  }

  const scope = {
    ...(walletIds.length > 0 ? { walletIds } : {}),
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
  };
  const textHash = sha256Hex(ruleFile.text);
  if (apply && version !== undefined) {
    // Apply only the version that is this file's text: checked here (exit 2, nothing sent to
    // apply), and the server checks the textHash sent with the apply again.
    const stored = objectBody(
      await adminRequest(io, target, 'GET', `/rules/versions/${version}`, undefined, {
        source: ruleFile.shown,
      }),
      'a rule set version',
    );
    if (stored.textHash !== textHash) {
      io.err(
        `tally backtest: version ${version} is not the text of ${ruleFile.shown} ` +
          `(version ${version} hashes to ${String(stored.textHash).slice(0, 12)}…, the file to ${textHash.slice(0, 12)}…); nothing applied.\n` +
          `Publish the file (tally rules publish ${ruleFile.shown}) and apply the version it prints.`,
      );
      return EXIT_USAGE;
    }
  }
  const body = apply
    ? { ruleSetVersion: version, textHash, apply: true, ...scope }
    : { rules: ruleFile.text, ...scope };
  const answer = await adminRequest(io, target, 'POST', '/rules/backtest', body, { source: ruleFile.shown });

  const compiled = ruleFile.compiled;
  if (!compiled.ok) throw new Error('unreachable: a rule file with no errors compiles');
  const stored =
    answer.status === 202
      ? await followJob(io, target, answer, { kind: 'backtest', unit: 'facts' })
      : objectBody(answer, 'a backtest result');
  const parked = await parkedFacts(io, target, compiled.ruleSet, scope);
  if (json) {
    io.out(
      JSON.stringify({ ...stored, ...(parked === undefined ? {} : { parked: parkedJson(parked) }) }, null, 2),
    );
    return EXIT_OK;
  }
  io.out(
    answer.status === 202
      ? jobSummary(ruleFile.shown, stored as JobReport, apply)
      : syncSummary(ruleFile.shown, stored as Record<string, unknown>, apply),
  );
  if (parked !== undefined) io.out(`\n${parkedSummary(parked)}`);
  return EXIT_OK;
}

export const backtestCommand: Command = {
  summary: 'replay stored facts through a candidate rule set and compare the points (dry run or apply)',
  usage: [
    'tally backtest <file|dir> [--wallet ID]... [--from TIME] [--to TIME] [--apply --version N] [--json]',
    '                      [--url URL] [--token TOKEN]',
    '',
    '  <file|dir>      the candidate rules; compiled here first (as `tally rules check` does)',
    '  --wallet ID     only these wallets (repeatable; answered at once); without it, every wallet',
    '                  as a job, followed with a progress bar until it is done',
    '  --from TIME     only facts from this ISO 8601 time on (e.g. 2026-11-01T00:00:00Z)',
    '  --to TIME       only facts up to this ISO 8601 time',
    '  --apply         append the adjustments (not a dry run); needs --version',
    '  --version N     the published rule-set version to apply (`tally rules publish` prints it); it must be',
    '                  the file’s text, else nothing is applied (exit 2)',
    '  --json          print the API’s final JSON (the answer, or the job’s report) instead of tables',
    '  --url URL       the Tally API (env TALLY_URL; default http://localhost:8080)',
    '  --token TOKEN   the admin bearer token (env TALLY_ADMIN_TOKEN, which keeps it out of `ps`)',
  ].join('\n'),
  options: {
    wallet: { type: 'string', short: 'w', multiple: true },
    from: { type: 'string' },
    to: { type: 'string' },
    apply: { type: 'boolean' },
    version: { type: 'string' },
    json: { type: 'boolean' },
    url: { type: 'string' },
    token: { type: 'string' },
  },
  positionals: true,
  run: runBacktest,
};
