import { useEffect, useState } from 'preact/hooks';
import { api, call } from '../../api.ts';

/**
 * The jobs this browser started (the API has no job listing: a job is found by its id), newest
 * first, in localStorage so the Jobs page shows the backtest the Rules page just started.
 */
export type JobKind = 'replay' | 'backtest' | 'republish';
export interface JobRef {
  kind: JobKind;
  jobId: string;
  startedAt: string;
  label: string;
}

const KEY = 'tally.console.jobs';
const MAX = 20;

export function knownJobs(): JobRef[] {
  try {
    const list: unknown = JSON.parse(localStorage.getItem(KEY) ?? '[]');
    return Array.isArray(list) ? (list as JobRef[]).filter((job) => typeof job?.jobId === 'string') : [];
  } catch {
    return [];
  }
}

export function rememberJob(job: JobRef): void {
  const list = [job, ...knownJobs().filter((known) => known.jobId !== job.jobId)].slice(0, MAX);
  localStorage.setItem(KEY, JSON.stringify(list));
}

export interface JobReport {
  jobId: string;
  kind: JobKind;
  status: string;
  createdAt: string | null;
  finishedAt: string | null;
  params: Record<string, unknown>;
  progress: { segments: number; segmentsDone: number; fraction: number };
  totals: Record<string, number>;
  /** Replay: the wallets changed; backtest: per-wallet lines; re-publish: the events no bus could take. */
  changes?: Array<Record<string, unknown> & { walletId: string }>;
  error?: string;
}

/** How often a running job is asked for its progress. */
export const JOB_POLL_MS = 700;

export function readJob(kind: JobKind, jobId: string): Promise<JobReport> {
  const request = { params: { path: { jobId } } };
  const pending =
    kind === 'replay'
      ? api().GET('/replay/{jobId}', request)
      : kind === 'republish'
        ? api().GET('/republish/{jobId}', request)
        : api().GET('/rules/backtest/{jobId}', request);
  return call(pending) as Promise<JobReport>;
}

/** Polls a job until it is no longer running; the latest report, or the error that stopped the polling. */
export function useJob(kind: JobKind, jobId: string | undefined): { report?: JobReport; error?: unknown } {
  const [state, setState] = useState<{ report?: JobReport; error?: unknown }>({});
  useEffect(() => {
    if (jobId === undefined) return;
    setState({});
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const report = await readJob(kind, jobId);
        if (stopped) return;
        setState({ report });
        if (report.status === 'running') timer = setTimeout(poll, JOB_POLL_MS);
      } catch (error) {
        if (!stopped) setState((previous) => ({ ...previous, error }));
      }
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [kind, jobId]);
  return state;
}
