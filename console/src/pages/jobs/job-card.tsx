import { errorText } from '../../api.ts';
import { formatPoints, formatTime } from '../../format.ts';
import { WalletLink } from '../../wallet-link.tsx';
import { type JobKind, useJob } from './job-store.ts';

const TOTAL_LABELS: Record<string, string> = {
  wallets: 'Wallets',
  events: 'Events',
  changed: 'Changed',
  written: 'Written',
  facts: 'Facts',
  walletsWithDifference: 'Wallets with a difference',
  awardedPoints: 'Awarded points',
  candidatePoints: 'Candidate points',
  difference: 'Difference',
  adjustmentsAppended: 'Adjustments appended',
  ruleErrors: 'Rule errors',
  scanned: 'Items scanned',
  published: 'Published',
  rejected: 'Rejected',
};

/** The totals that count failures, shown again under the table when not 0. */
const FAILURE_TOTALS = new Set(['ruleErrors', 'failed', 'rejected']);

export const KIND_TITLES: Record<JobKind, string> = {
  replay: 'Replay',
  backtest: 'Backtest',
  republish: 'Re-publish',
};

/** One job: live progress while it runs (polled), then its totals, the wallets it changed and its failures. */
export function JobCard({ kind, jobId, label }: { kind: JobKind; jobId: string; label: string }) {
  const { report, error } = useJob(kind, jobId);
  const headingId = `job-${jobId}`;
  const percent = report === undefined ? 0 : Math.round(report.progress.fraction * 100);
  const failures = Object.entries(report?.totals ?? {}).filter(
    ([name, value]) => FAILURE_TOTALS.has(name) && value > 0,
  );
  return (
    <article class="panel job" aria-labelledby={headingId} data-job-id={jobId} data-status={report?.status}>
      <h3 id={headingId}>
        {KIND_TITLES[kind]} <span class="mono">{jobId}</span>
      </h3>
      <p class="hint">{label}</p>
      {error !== undefined && (
        <p class="error" role="alert">
          Could not read the job: {errorText(error)}
        </p>
      )}
      {report !== undefined && (
        <>
          <p>
            <span
              class={`badge ${report.status === 'done' ? 'badge-ok' : report.status === 'running' ? 'badge-unknown' : 'badge-bad'}`}
            >
              {report.status}
            </span>{' '}
            started {report.createdAt === null ? '—' : formatTime(report.createdAt)}
            {report.finishedAt !== null && <>, finished {formatTime(report.finishedAt)}</>}
          </p>
          <label class="progress-label">
            Progress: {report.progress.segmentsDone} of {report.progress.segments} segments ({percent}%)
            <progress max={report.progress.segments} value={report.progress.segmentsDone} />
          </label>
          <table class="compact totals">
            <caption class="visually-hidden">Totals</caption>
            <tbody>
              {Object.entries(report.totals).map(([name, value]) => (
                <tr key={name}>
                  <th scope="row">{TOTAL_LABELS[name] ?? name}</th>
                  <td>{formatPoints(value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {kind === 'republish' && (
            <p class="hint">Events of types the relay does not publish are counted, not published.</p>
          )}
          {failures.length > 0 && (
            <p class="error" role="status">
              Failures: {failures.map(([name, value]) => `${TOTAL_LABELS[name] ?? name} ${value}`).join(', ')}
            </p>
          )}
          <JobChanges kind={kind} changes={report.changes ?? []} />
        </>
      )}
    </article>
  );
}

function JobChanges({
  kind,
  changes,
}: {
  kind: JobKind;
  changes: Array<Record<string, unknown> & { walletId: string }>;
}) {
  if (kind === 'republish') return <RejectedEvents events={changes as unknown as RejectedEvent[]} />;
  if (changes.length === 0) return <p class="hint">No wallet changed.</p>;
  if (kind === 'backtest') return <WalletDiffTable lines={changes as unknown as BacktestLine[]} />;
  return (
    <table class="compact">
      <caption>First wallets changed</caption>
      <thead>
        <tr>
          <th scope="col">Wallet</th>
          <th scope="col">Before</th>
          <th scope="col">After</th>
        </tr>
      </thead>
      <tbody>
        {changes.map((change) => (
          <tr key={change.walletId}>
            <td>
              <WalletLink walletId={change.walletId} />
            </td>
            <td class="mono">{JSON.stringify(change.before ?? null)}</td>
            <td class="mono">{JSON.stringify(change.after ?? null)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A re-publish job's event that no bus could take (e.g. over EventBridge's 256 KB), as the relay logs it. */
interface RejectedEvent {
  walletId: string;
  lane: number;
  version: number;
  cloudEventId: string;
  code: string;
  reason: string;
}

function RejectedEvents({ events }: { events: RejectedEvent[] }) {
  if (events.length === 0) return <p class="hint">No event rejected.</p>;
  return (
    <table class="compact rejected-events">
      <caption>First events no bus could take</caption>
      <thead>
        <tr>
          <th scope="col">Wallet</th>
          <th scope="col">Lane</th>
          <th scope="col">Version</th>
          <th scope="col">CloudEvent id</th>
          <th scope="col">Code</th>
          <th scope="col">Reason</th>
        </tr>
      </thead>
      <tbody>
        {events.map((event) => (
          <tr key={event.cloudEventId}>
            <td>
              <WalletLink walletId={event.walletId} />
            </td>
            <td>{event.lane}</td>
            <td>{event.version}</td>
            <td class="mono">{event.cloudEventId}</td>
            <td class="mono">{event.code}</td>
            <td>{event.reason}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export interface BacktestLine {
  walletId: string;
  facts: number;
  awardedPoints: number;
  candidatePoints: number;
  difference: number;
  adjustmentsAppended: number;
  ruleErrors?: number;
  firstRuleError?: unknown;
  /** Apply only: why the floor refused this wallet's adjustments (points already spent or held). */
  applyRefused?: string;
}

/** Per wallet: the points awarded now, what the candidate would award, and the difference. */
export function WalletDiffTable({
  lines,
  caption = 'Per wallet',
}: {
  lines: BacktestLine[];
  caption?: string;
}) {
  return (
    <table class="compact diff-table">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Wallet</th>
          <th scope="col">Facts</th>
          <th scope="col">Awarded</th>
          <th scope="col">Candidate</th>
          <th scope="col">Difference</th>
          <th scope="col">Rule errors</th>
        </tr>
      </thead>
      <tbody>
        {lines.map((line) => (
          <tr key={line.walletId} data-wallet={line.walletId}>
            <td>
              <WalletLink walletId={line.walletId} />
            </td>
            <td>{formatPoints(line.facts)}</td>
            <td>{formatPoints(line.awardedPoints)}</td>
            <td>{formatPoints(line.candidatePoints)}</td>
            <td class={line.difference > 0 ? 'up' : line.difference < 0 ? 'down' : undefined}>
              {line.difference > 0 ? '+' : ''}
              {formatPoints(line.difference)}
            </td>
            <td>
              {line.ruleErrors ?? 0}
              {line.applyRefused === undefined ? null : (
                <span class="problem" title={line.applyRefused}>
                  {' '}
                  not applied: {line.applyRefused}
                </span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
