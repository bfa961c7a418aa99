import * as z from 'zod/mini';
import { TABLE } from '#lib/wiring.ts';
import type { Job, JobChange, JobParams, JobSegment } from '#ports/jobs.ts';
import { bigintAttr, numberAttr } from './attributes.ts';
import { JOB_SK, jobPk, jobSegmentSk } from './keys.ts';

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
