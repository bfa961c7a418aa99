import * as z from 'zod/mini';
import { TABLE } from '#lib/wiring.ts';
import type { Job, JobChange, JobCounters, JobParams, JobSegment } from '#ports/jobs.ts';
import { bigintAttr, numberAttr } from './attributes.ts';
import { bigInt, isRecord, safeInt, text } from './fast-attributes.ts';
import {
  JOB_PK_PREFIX,
  JOB_SK,
  JOBS_RUNNING_COMPLETE_SK,
  JOBS_RUNNING_PK,
  jobPk,
  jobSegmentSk,
  runningSegmentSk,
} from './keys.ts';
import { onFirstUse } from './on-first-use.ts';

/**
 * An admin job: one item for the job, one per segment, all under the job's partition (keys.ts).
 *
 * The items are read field by field where they are as the store writes them (`fast…` below), and
 * by their schemas otherwise, which stay the one definition of a valid item and accept or explain
 * it; the schemas are built on first use. A job's report (`GET /replay/{jobId}`, the backtest's
 * and republish's) and every page run-jobs works read the job and all its segments, and a cold
 * process's first parse of the 19-field segment schema cost ~3-4 ms CPU, the job's ~1 ms more.
 * The fast reads accept only what the schemas accept, read to the same values
 * (test/unit/adapters/job-item-parse.property.test.ts).
 */

const jobParamsSchema = onFirstUse(
  (): z.ZodMiniType<JobParams> =>
    z.discriminatedUnion('kind', [
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
    ]),
);

const jobItemSchema = onFirstUse(() =>
  z.object({
    jobId: z.string(),
    params: z.string(),
    segments: numberAttr,
    createdAtMs: numberAttr,
  }),
);

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

export const fromJobItem = (item: unknown): Job => fastJob(item) ?? jobBySchema(item);

/** A job item read by its schemas, the one definition of a valid item (exported for the property test). */
export function jobBySchema(item: unknown): Job {
  const parsed = jobItemSchema().parse(item);
  return {
    jobId: parsed.jobId,
    params: jobParamsSchema().parse(JSON.parse(parsed.params)),
    segments: parsed.segments,
    createdAtMs: parsed.createdAtMs,
  };
}

/** z.number(): a finite number. */
const finite = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;
/** z.int(): a safe integer number (not text). */
const int = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;
const bool = (value: unknown): boolean | undefined => (typeof value === 'boolean' ? value : undefined);
/** An optional field's read: absent is absent (`{}`), present must read. */
const optional = <T>(name: string, value: unknown, read: (value: unknown) => T | undefined) => {
  if (value === undefined) return {};
  const parsed = read(value);
  return parsed === undefined ? undefined : { [name]: parsed };
};

/** jobParamsSchema's answer for parameters it accepts, read without it; undefined: anything else. */
function fastParams(value: unknown): JobParams | undefined {
  if (!isRecord(value)) return undefined;
  if (value.kind === 'replay') {
    const dryRun = bool(value.dryRun);
    return dryRun === undefined ? undefined : { kind: 'replay', dryRun };
  }
  if (value.kind === 'republish') {
    const [fromMs, toMs] = [finite(value.fromMs), finite(value.toMs)];
    return fromMs === undefined || toMs === undefined ? undefined : { kind: 'republish', fromMs, toMs };
  }
  if (value.kind !== 'backtest') return undefined;
  const apply = bool(value.apply);
  const parts = [
    optional('ruleSetVersion', value.ruleSetVersion, int),
    optional('rulesText', value.rulesText, text),
    optional('fromMs', value.fromMs, finite),
    optional('toMs', value.toMs, finite),
  ];
  if (apply === undefined || parts.includes(undefined)) return undefined;
  return Object.assign({ kind: 'backtest' as const, apply }, ...parts);
}

/** fromJobItem's answer for a job item as toJobItem writes it, without zod; undefined: anything else. */
function fastJob(item: unknown): Job | undefined {
  if (!isRecord(item)) return undefined;
  const segments = safeInt(item.segments);
  const createdAtMs = safeInt(item.createdAtMs);
  if (typeof item.jobId !== 'string' || typeof item.params !== 'string') return undefined;
  if (segments === undefined || createdAtMs === undefined) return undefined;
  // Text that is not JSON throws here as it does on the schema's path.
  const params = fastParams(JSON.parse(item.params));
  return params && { jobId: item.jobId, params, segments, createdAtMs };
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

const runningSegmentItemSchema = onFirstUse(() => z.object({ jobId: z.string(), segment: numberAttr }));

/** The job and segment a registry entry names. */
export function fromRunningSegmentItem(item: unknown): { jobId: string; segment: number } {
  const segment = isRecord(item) ? safeInt(item.segment) : undefined;
  if (isRecord(item) && typeof item.jobId === 'string' && segment !== undefined)
    return { jobId: item.jobId, segment };
  return runningSegmentItemSchema().parse(item);
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

const jobSegmentItemSchema = onFirstUse(() =>
  z.object({
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
  }),
);

/** The counters a segment item holds (ADD creates them: absent is 0). */
const COUNTERS = [
  ['wallets', 'wallets'],
  ['events', 'eventsDone'],
  ['changed', 'changed'],
  ['written', 'written'],
  ['facts', 'facts'],
  ['walletsWithDifference', 'walletsWithDifference'],
  ['adjustmentsAppended', 'adjustmentsAppended'],
  ['ruleErrors', 'ruleErrors'],
  ['scanned', 'scanned'],
  ['published', 'published'],
  ['rejected', 'rejected'],
] as const;
const BIG_COUNTERS = ['awardedPoints', 'candidatePoints'] as const;

/** The changes' JSON as the schema's path reads it (an array of objects); undefined: anything else. */
function fastChanges(changes: unknown): JobChange[] | undefined {
  if (!Array.isArray(changes)) return undefined;
  // JSON's objects are plain; the schema's record copies each but a `__proto__` key (left to it).
  for (const change of changes) if (!isRecord(change) || Object.hasOwn(change, '__proto__')) return undefined;
  return changes as JobChange[];
}

/** fromJobSegmentItem's answer for a segment item as the store writes it, without zod; undefined: anything else. */
function fastSegment(item: unknown): JobSegment | undefined {
  if (!isRecord(item)) return undefined;
  const segment = safeInt(item.segment);
  const page = safeInt(item.page);
  const { cursor, done, changes } = item;
  const finishedAtMs =
    item.finishedAtMs === undefined || item.finishedAtMs === null ? null : safeInt(item.finishedAtMs);
  if (segment === undefined || page === undefined || finishedAtMs === undefined) return undefined;
  if ((cursor !== null && typeof cursor !== 'string') || typeof done !== 'boolean') return undefined;
  if (typeof changes !== 'string') return undefined;
  const counters: Record<string, number | bigint> = {};
  for (const [name, attribute] of COUNTERS) {
    const value = item[attribute] === undefined ? 0 : safeInt(item[attribute]);
    if (value === undefined) return undefined;
    counters[name] = value;
  }
  for (const name of BIG_COUNTERS) {
    const value = item[name] === undefined ? 0n : bigInt(item[name]);
    if (value === undefined) return undefined;
    counters[name] = value;
  }
  // Text that is not JSON throws here as it does on the schema's path.
  const read = fastChanges(JSON.parse(changes));
  return (
    read && {
      segment,
      page,
      cursor,
      done,
      finishedAtMs,
      counters: counters as unknown as JobCounters,
      changes: read,
    }
  );
}

export const fromJobSegmentItem = (item: unknown): JobSegment => fastSegment(item) ?? segmentBySchema(item);

const changesSchema = onFirstUse(() => z.array(z.record(z.string(), z.unknown())));

/** A segment item read by its schemas, the one definition of a valid item (exported for the property test). */
export function segmentBySchema(item: unknown): JobSegment {
  const parsed = jobSegmentItemSchema().parse(item);
  return {
    segment: parsed.segment,
    page: parsed.page,
    cursor: parsed.cursor,
    done: parsed.done,
    finishedAtMs: parsed.finishedAtMs ?? null,
    changes: changesSchema().parse(JSON.parse(parsed.changes)) as JobChange[],
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
