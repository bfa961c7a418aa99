import type { JobKind, JobReport, JobStore } from '#ports/jobs.ts';
import { jobReport } from '../jobs.ts';

/** Job ids are UUIDs (letters, digits, dashes); anything else is not a job, and never becomes a key. */
const JOB_ID = /^[A-Za-z0-9-]{1,64}$/;

/** A job's progress and totals; undefined when there is no job of this kind with that id. */
export async function findJobReport(
  jobs: JobStore,
  kind: JobKind,
  jobId: string | undefined,
): Promise<JobReport | undefined> {
  const state = jobId === undefined || !JOB_ID.test(jobId) ? undefined : await jobs.get(jobId);
  if (state === undefined || state.job.params.kind !== kind) return undefined;
  return jobReport(state.job, state.segments);
}
