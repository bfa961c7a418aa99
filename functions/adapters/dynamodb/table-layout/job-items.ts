import * as z from 'zod/mini';
import { TABLE } from '#lib/wiring.ts';
import type { Job, JobChange, JobParams, JobSegment } from '#ports/jobs.ts';
import { bigintAttr, numberAttr } from './attributes.ts';
import {
  JOB_PK_PREFIX,
  JOB_SK,
  JOBS_RUNNING_COMPLETE_SK,
  JOBS_RUNNING_PK,
  jobPk,
  jobSegmentSk,
  runningSegmentSk,
} from './keys.ts';

/** An admin job: one item for the job, one per segment, all under the job's partition (keys.ts). */

const jobParamsSchema: z.ZodMiniType<JobParams> = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('replay'), dryRun: z.boolean() }),
  z.object({
    kind: z.literal('backtest'),
    ruleSetVersion: z.optional(z.int()),
    rulesText: z.optional(z.string()),
    fromMs: z.optional(z.number()),
    toMs: z.optional(z.number()),
    apply: z.boolean(),
  }),
  z.object({ kind: z.literal('republish'), fromMs: z.number(), toMs: z.number() }),
]);

const jobItemSchema = z.object({
  jobId: z.string(),
  params: z.string(),
  segments: numberAttr,
  createdAtMs: numberAttr,
});

/** How long a job's items (its report) are kept: DynamoDB's TTL deletes them after that. */
export const JOB_RETENTION_DAYS = 30;

/** The TTL attribute's value (epoch seconds) for a job created at `createdAtMs`. */
const jobExpiry = (createdAtMs: number): Record<string, number> => ({
  [TABLE.timeToLiveAttribute]: Math.floor(createdAtMs / 1000) + JOB_RETENTION_DAYS * 86_400,
});

export function toJobItem(job: Job): Record<string, unknown> {
  return {
    pk: jobPk(job.jobId),
    sk: JOB_SK,
    kind: 'job',
    jobId: job.jobId,
    params: JSON.stringify(job.params),
    segments: job.segments,
    createdAtMs: job.createdAtMs,
    ...jobExpiry(job.createdAtMs),
  };
}

export function fromJobItem(item: unknown): Job {
  const parsed = jobItemSchema.parse(item);
  return {
    jobId: parsed.jobId,
    params: jobParamsSchema.parse(JSON.parse(parsed.params)),
    segments: parsed.segments,
    createdAtMs: parsed.createdAtMs,
  };
}

/** A segment before its first page: counters are added to (ADD creates them). */
export function toJobSegmentItem(job: Job, segment: number): Record<string, unknown> {
  return {
    pk: jobPk(job.jobId),
    sk: jobSegmentSk(segment),
    ...jobExpiry(job.createdAtMs),
    kind: 'job-segment',
    segment,
    page: 0,
    cursor: null,
    done: false,
    changes: '[]',
    finishedAtMs: null,
  };
}

/** The key of a segment's entry in the registry of unfinished segments (keys.ts). */
export const runningSegmentKey = (jobId: string, segment: number): Record<string, string> => ({
  pk: JOBS_RUNNING_PK,
  sk: runningSegmentSk(jobId, segment),
});

/** The registry entry of a segment item (written with it, or found by the one-time Scan): it expires with the job. */
export function toRunningSegmentItem(segmentItem: Record<string, unknown>): Record<string, unknown> {
  const jobId = String(segmentItem.pk).slice(JOB_PK_PREFIX.length);
  const segment = Number(segmentItem.segment);
  const ttl = TABLE.timeToLiveAttribute;
  return {
    ...runningSegmentKey(jobId, segment),
    // A read item's numbers arrive as text (client.ts): TTL needs a number.
    ...(segmentItem[ttl] === undefined ? {} : { [ttl]: Number(segmentItem[ttl]) }),
    kind: 'running-segment',
    jobId,
    segment,
  };
}

const runningSegmentItemSchema = z.object({ jobId: z.string(), segment: numberAttr });

/** The job and segment a registry entry names. */
export function fromRunningSegmentItem(item: unknown): { jobId: string; segment: number } {
  return runningSegmentItemSchema.parse(item);
}

/** The mark that the registry is complete (no job older than it is missing from it). */
export const RUNNING_COMPLETE_ITEM: Record<string, unknown> = {
  pk: JOBS_RUNNING_PK,
  sk: JOBS_RUNNING_COMPLETE_SK,
  kind: 'running-complete',
};

const counterAttr = z.pipe(
  z.optional(numberAttr),
  z.transform((value) => value ?? 0),
);
const bigCounterAttr = z.pipe(
  z.optional(bigintAttr),
  z.transform((value) => value ?? 0n),
);

const jobSegmentItemSchema = z.object({
  segment: numberAttr,
  page: numberAttr,
  cursor: z.nullable(z.string()),
  done: z.boolean(),
  changes: z.string(),
  finishedAtMs: z.optional(z.nullable(numberAttr)),
  wallets: counterAttr,
  eventsDone: counterAttr,
  changed: counterAttr,
  written: counterAttr,
  facts: counterAttr,
  walletsWithDifference: counterAttr,
  awardedPoints: bigCounterAttr,
  candidatePoints: bigCounterAttr,
  adjustmentsAppended: counterAttr,
  ruleErrors: counterAttr,
  scanned: counterAttr,
  published: counterAttr,
  rejected: counterAttr,
});

export function fromJobSegmentItem(item: unknown): JobSegment {
  const parsed = jobSegmentItemSchema.parse(item);
  return {
    segment: parsed.segment,
    page: parsed.page,
    cursor: parsed.cursor,
    done: parsed.done,
    finishedAtMs: parsed.finishedAtMs ?? null,
    changes: z.array(z.record(z.string(), z.unknown())).parse(JSON.parse(parsed.changes)) as JobChange[],
    counters: {
      wallets: parsed.wallets,
      events: parsed.eventsDone,
      changed: parsed.changed,
      written: parsed.written,
      facts: parsed.facts,
      walletsWithDifference: parsed.walletsWithDifference,
      awardedPoints: parsed.awardedPoints,
      candidatePoints: parsed.candidatePoints,
      adjustmentsAppended: parsed.adjustmentsAppended,
      ruleErrors: parsed.ruleErrors,
      scanned: parsed.scanned,
      published: parsed.published,
      rejected: parsed.rejected,
    },
  };
}
