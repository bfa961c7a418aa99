/**
 * Following an admin job (replay or backtest of every wallet, re-publish of a window): the 202 answer names the job's
 * report; it is polled every 500 ms until done, with a progress bar on a terminal and one plain
 * line per change of progress otherwise (CI logs, pipes).
 */
import { SingleBar } from 'cli-progress';
import { type AdminAnswer, type AdminTarget, adminRequest, objectBody } from './admin-http.ts';
import { CliFailure, type Io } from './command.ts';

export const POLL_INTERVAL_MS = 500;

export interface JobReport {
  jobId: string;
  kind: string;
  status: 'running' | 'done';
  createdAt?: string;
  finishedAt?: string | null;
  params?: Record<string, unknown>;
  progress: { segments: number; segmentsDone: number; fraction?: number };
  totals: Record<string, unknown>;
  changes: Record<string, unknown>[];
}

export interface FollowOptions {
  kind: 'replay' | 'backtest' | 'republish';
  /** The totals counted next to wallets in the progress line: events (replay) or facts (backtest). */
  unit: 'events' | 'facts';
  /** What the progress line counts first: wallets (the default), or items scanned (republish). */
  walk?: 'wallets' | 'scanned';
}

const REPORT_PATHS: Record<FollowOptions['kind'], string> = {
  replay: '/replay',
  backtest: '/rules/backtest',
  republish: '/republish',
};

const sleeper = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function asReport(answer: AdminAnswer): JobReport {
  const body = objectBody(answer, 'a job report');
  const progress = body.progress as JobReport['progress'] | undefined;
  if (
    typeof body.jobId !== 'string' ||
    (body.status !== 'running' && body.status !== 'done') ||
    typeof progress?.segments !== 'number' ||
    typeof progress.segmentsDone !== 'number'
  ) {
    throw new CliFailure(`tally: ${answer.url} answered a job report without jobId, status and progress`);
  }
  return {
    ...(body as unknown as JobReport),
    totals: (body.totals ?? {}) as Record<string, unknown>,
    changes: Array.isArray(body.changes) ? (body.changes as Record<string, unknown>[]) : [],
  };
}

const count = (totals: Record<string, unknown>, key: string): number => {
  const value = Number(totals[key] ?? 0);
  return Number.isFinite(value) ? value : 0;
};

/** Where a job's report is: the answer's href, else its Location header, else /<kind>/<jobId>. */
function reportPath(answer: AdminAnswer, kind: FollowOptions['kind'], jobId: string, base: string): string {
  const body = answer.body as { href?: unknown };
  const href =
    typeof body.href === 'string' && body.href !== ''
      ? body.href
      : (answer.headers.get('location') ?? `${REPORT_PATHS[kind]}/${jobId}`);
  if (/^https?:\/\//.test(href)) {
    // An absolute Location on the same API: keep its path (and any stage prefix in --url).
    const url = new URL(href);
    return href.startsWith(base) ? href.slice(base.length) : url.pathname + url.search;
  }
  return href.startsWith('/') ? href : `/${href}`;
}

/** Polls a started job until it is done and answers its final report. */
export async function followJob(
  io: Io,
  target: AdminTarget,
  accepted: AdminAnswer,
  options: FollowOptions,
): Promise<JobReport> {
  const started = objectBody(accepted, 'a job');
  if (typeof started.jobId !== 'string') {
    throw new CliFailure(`tally: ${accepted.url} answered ${accepted.status} without a jobId`);
  }
  const jobId = started.jobId;
  const path = reportPath(accepted, options.kind, jobId, target.base);
  io.err(`${options.kind} job ${jobId} started; its report: GET ${target.base}${path}`);

  const sleep = io.sleep ?? sleeper;
  const stream = io.progress;
  const useBar = stream?.isTTY === true;
  let bar: SingleBar | undefined;
  let lastLine = '';
  try {
    for (;;) {
      await sleep(POLL_INTERVAL_MS);
      let report: JobReport;
      try {
        report = asReport(await adminRequest(io, target, 'GET', path));
      } catch (error) {
        if (error instanceof CliFailure) {
          throw new CliFailure(
            `${error.message}\n(job ${jobId} may still be running: GET ${target.base}${path} to follow it)`,
          );
        }
        throw error;
      }
      const { segments, segmentsDone } = report.progress;
      const walk = options.walk ?? 'wallets';
      const wallets = count(report.totals, walk);
      const units = count(report.totals, options.unit);
      if (useBar && segments > 0) {
        const payload = { wallets, units };
        if (bar === undefined) {
          bar = new SingleBar({
            stream,
            format: `${options.kind} {bar} {percentage}% {value}/{total} segments, {wallets} ${walk}, {units} ${options.unit}, {duration_formatted}`,
            barsize: 16,
            barCompleteChar: '█',
            barIncompleteChar: '░',
            // Neither hides the cursor nor turns off line wrapping (the bar is cut to the width
            // instead), so a Ctrl-C mid-job leaves the terminal as it was.
            hideCursor: false,
            linewrap: true,
            clearOnComplete: false,
          });
          bar.start(segments, segmentsDone, payload);
        } else {
          bar.setTotal(segments);
          bar.update(segmentsDone, payload);
        }
      } else if (!useBar) {
        const line = `${options.kind} job ${jobId}: ${segmentsDone}/${segments} segments, ${wallets} ${walk}, ${units} ${options.unit}`;
        if (line !== lastLine) io.err(line);
        lastLine = line;
      }
      if (report.status === 'done') return report;
    }
  } finally {
    bar?.stop();
  }
}

/** "in 12.3 s" from a report's createdAt and finishedAt, when both are there. */
export function duration(report: JobReport): string {
  const start = Date.parse(report.createdAt ?? '');
  const end = Date.parse(report.finishedAt ?? '');
  if (Number.isNaN(start) || Number.isNaN(end)) return '';
  return ` in ${((end - start) / 1000).toFixed(1)} s`;
}
