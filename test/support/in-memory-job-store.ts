import { zeroCounters } from '#app/job-counters.ts';
import { addCounters } from '#app/jobs.ts';
import type { Job, JobMessage, JobQueue, JobSegment, JobStore, PageResult } from '#ports/jobs.ts';

/**
 * An in-memory JobStore with the semantics of the DynamoDB adapter (functions/adapters/dynamodb/jobs.ts):
 * - `create` writes the job and its segments (page 0, no cursor, not done) and refuses a job id
 *   that exists (`attribute_not_exists(pk)`);
 * - `completePage` is conditional on the segment being at the page named (`#page = :page`): it moves
 *   it to `page + 1`, sets cursor, done (`nextCursor === null`), changes and finishedAtMs, and adds
 *   the counters, all at once; any other page (or a segment that does not exist) is 'stale' and
 *   changes nothing;
 * - changes are kept as JSON text, as the adapter keeps them (so a bigint in them fails the same way).
 * Everything handed out is a copy, so callers cannot edit the store.
 */
export class InMemoryJobStore implements JobStore {
  private readonly jobs = new Map<string, { job: Job; segments: JobSegment[] }>();
  /** Every completePage asked for, with what it answered, in order. */
  readonly completions: { jobId: string; segment: number; page: number; outcome: 'recorded' | 'stale' }[] =
    [];

  async create(job: Job): Promise<void> {
    if (this.jobs.has(job.jobId)) throw new Error(`create: job ${job.jobId} exists`);
    const segments = Array.from(
      { length: job.segments },
      (_, segment): JobSegment => ({
        segment,
        page: 0,
        cursor: null,
        done: false,
        finishedAtMs: null,
        counters: zeroCounters(),
        changes: [],
      }),
    );
    this.jobs.set(job.jobId, structuredClone({ job, segments }));
  }

  async get(jobId: string): Promise<{ job: Job; segments: JobSegment[] } | undefined> {
    const stored = this.jobs.get(jobId);
    return stored === undefined ? undefined : structuredClone(stored);
  }

  async unfinishedSegments(): Promise<{ jobId: string; job: Job; segment: JobSegment }[]> {
    return [...this.jobs.values()].flatMap(({ job, segments }) =>
      segments
        .filter((segment) => !segment.done)
        .map((segment) => ({
          jobId: job.jobId,
          job: structuredClone(job),
          segment: structuredClone(segment),
        })),
    );
  }

  async completePage(
    jobId: string,
    segment: number,
    page: number,
    result: PageResult,
  ): Promise<'recorded' | 'stale'> {
    const changes = JSON.parse(JSON.stringify(result.changes)) as JobSegment['changes'];
    const stored = this.jobs.get(jobId)?.segments.find((candidate) => candidate.segment === segment);
    const outcome = stored === undefined || stored.page !== page ? 'stale' : 'recorded';
    this.completions.push({ jobId, segment, page, outcome });
    if (stored === undefined || outcome === 'stale') return 'stale';
    const { counters } = result;
    stored.page = page + 1;
    stored.cursor = result.nextCursor;
    stored.done = result.nextCursor === null;
    stored.changes = changes;
    stored.finishedAtMs = result.finishedAtMs;
    addCounters(stored.counters, counters);
    return 'recorded';
  }
}

/** A JobQueue that keeps what was sent: `sent` is every message ever, `pending` what is not taken yet. */
export class InMemoryJobQueue implements JobQueue {
  readonly sent: JobMessage[] = [];
  pending: JobMessage[] = [];

  async send(messages: JobMessage[]): Promise<void> {
    for (const message of messages) {
      this.sent.push({ ...message });
      this.pending.push({ ...message });
    }
  }

  /** Takes the oldest pending message (a receive that is then deleted). */
  take(): JobMessage | undefined {
    return this.pending.shift();
  }
}
