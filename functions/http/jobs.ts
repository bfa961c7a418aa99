import { findJobReport } from '#app/queries/job-report.ts';
import type { Job, JobKind, JobReport, JobStore } from '#ports/jobs.ts';
import { HttpProblem, type HttpResult, jsonResult } from './problem.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const JOB_PATHS: Record<JobKind, string> = {
  replay: '/replay',
  backtest: '/rules/backtest',
  republish: '/republish',
};

/** Where a job's progress is read: `GET /replay/{jobId}`, `GET /rules/backtest/{jobId}` or `GET /republish/{jobId}`. */
export const jobHref = (kind: JobKind, jobId: string): string => `${JOB_PATHS[kind]}/${jobId}`;

/** 202 Accepted for a job just started, with its Location. */
export function jobStarted(job: Job): HttpResult {
  const href = jobHref(job.params.kind, job.jobId);
  return jsonResult(
    202,
    JSON.stringify({ jobId: job.jobId, kind: job.params.kind, status: 'running', href }),
    { location: href },
  );
}

/** The params as the report shows them (a candidate's text is summarised, not echoed). */
function paramsJson(report: JobReport) {
  const { params } = report;
  if (params.kind === 'replay') return { dryRun: params.dryRun };
  if (params.kind === 'republish') return { from: iso(params.fromMs), to: iso(params.toMs) };
  return {
    ruleSetVersion: params.ruleSetVersion ?? null,
    rulesTextChars: params.rulesText?.length ?? null,
    from: iso(params.fromMs ?? null),
    to: iso(params.toMs ?? null),
    apply: params.apply,
    dryRun: !params.apply,
  };
}

/** The counters a replay or re-publish report shows, in order (a backtest's are computed below). */
const COUNTED: Record<'replay' | 'republish', readonly (keyof JobReport['counters'])[]> = {
  replay: ['wallets', 'events', 'changed', 'written'],
  republish: ['scanned', 'events', 'published', 'rejected'],
};

function totalsJson(report: JobReport) {
  const { counters } = report;
  const { kind } = report.params;
  if (kind !== 'backtest')
    return Object.fromEntries(COUNTED[kind].map((name) => [name, Number(counters[name])]));
  return {
    wallets: counters.wallets,
    facts: counters.facts,
    walletsWithDifference: counters.walletsWithDifference,
    awardedPoints: Number(counters.awardedPoints),
    candidatePoints: Number(counters.candidatePoints),
    difference: Number(counters.candidatePoints - counters.awardedPoints),
    adjustmentsAppended: counters.adjustmentsAppended,
    ruleErrors: counters.ruleErrors,
  };
}

/** A job's progress and totals, or 404 when there is no such job of this kind. */
export async function jobReportResult(
  jobs: JobStore,
  kind: JobKind,
  jobId: string | undefined,
): Promise<HttpResult> {
  const report = await findJobReport(jobs, kind, jobId);
  if (report === undefined) {
    throw new HttpProblem({
      status: 404,
      code: 'job-not-found',
      title: 'Not found',
      detail: `There is no ${kind} job ${(jobId ?? '').slice(0, 64)}.`,
    });
  }
  return jsonResult(
    200,
    JSON.stringify({
      jobId: report.jobId,
      kind: report.params.kind,
      status: report.status,
      createdAt: iso(report.createdAtMs),
      finishedAt: iso(report.finishedAtMs),
      params: paramsJson(report),
      progress: {
        segments: report.segments,
        segmentsDone: report.segmentsDone,
        fraction: report.segmentsDone / report.segments,
      },
      totals: totalsJson(report),
      changes: report.changes,
    }),
  );
}
