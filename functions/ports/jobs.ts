/**
 * Admin jobs over every wallet (replay, rule backtest), or over every event recorded in a window
 * (re-publish). A job is split into `segments` (parallel
 * Scan segments of the table); each segment is walked one page at a time, one jobs-queue message
 * per page. A page is counted exactly once: the segment's page number moves forward only by a
 * conditional write that expects the page the message names.
 */

/** What a job does to every wallet. */
export type JobKind = 'replay' | 'backtest' | 'republish';

/** A job is done when every segment is. */
export type JobStatus = 'running' | 'done';

/** Rebuild every view from its log; a dry run only counts what would change. */
export interface ReplayJobParams {
  kind: 'replay';
  dryRun: boolean;
}

/** Run a candidate rule set over recorded facts; with `apply`, append the differences as adjustments. */
export interface BacktestJobParams {
  kind: 'backtest';
  /** The candidate rule set: a published version, or text (dry run only). */
  ruleSetVersion?: number;
  rulesText?: string;
  fromMs?: number;
  toMs?: number;
  apply: boolean;
}

/**
 * Publish again, through the outbox relay's publisher, every event recorded in [fromMs, toMs): the
 * same CloudEvents (same ids) the relay published or would have, for a window the relay missed (a
 * stream switch, an outage past the stream's retention). Consumers dedupe by id.
 */
export interface RepublishJobParams {
  kind: 'republish';
  fromMs: number;
  /** Exclusive. */
  toMs: number;
}

/** The jobs that walk every wallet. */
export type WalletJobParams = ReplayJobParams | BacktestJobParams;

/** What a job was asked to do, as stored with it. */
export type JobParams = WalletJobParams | RepublishJobParams;

/** Counters every page adds to; which ones move depends on the kind. */
export interface JobCounters {
  wallets: number;
  events: number;
  /** replay: views that differed from the fold of the log. */
  changed: number;
  /** replay: views written. */
  written: number;
  /** backtest: facts considered. */
  facts: number;
  walletsWithDifference: number;
  awardedPoints: bigint;
  candidatePoints: bigint;
  adjustmentsAppended: number;
  /** backtest: facts a candidate rule failed on (left out of the sums, never adjusted). */
  ruleErrors: number;
  /** republish: items the walk read (matched or not; what it costs). `events` counts those in the window. */
  scanned: number;
  /** republish: CloudEvents the bus took. */
  published: number;
  /** republish: events no bus can take (e.g. too large), listed in the report's changes. */
  rejected: number;
}

/** One wallet's line in a job's sample of changes (JSON-ready). */
export type JobChange = Record<string, unknown> & { walletId: string };

/** One segment's progress, as the store keeps it. */
export interface JobSegment {
  segment: number;
  /** Pages done so far; the next message for this segment names page `page`. */
  page: number;
  /** Where the Scan goes on (DynamoDB's LastEvaluatedKey as JSON); null before the first page. */
  cursor: string | null;
  done: boolean;
  /** When its last page was recorded. */
  finishedAtMs: number | null;
  counters: JobCounters;
  /** The first changes this segment found (bounded), for the job's report. */
  changes: JobChange[];
}

/** A job as created: its parameters and how many segments it is split into. */
export interface Job {
  jobId: string;
  params: JobParams;
  segments: number;
  createdAtMs: number;
}

/** A job's state for its report: the segments' progress summed up. */
export interface JobReport extends Job {
  status: JobStatus;
  segmentsDone: number;
  finishedAtMs: number | null;
  counters: JobCounters;
  changes: JobChange[];
}

/** One page of one segment of a job: the jobs-queue message body. */
export interface JobMessage {
  jobId: string;
  segment: number;
  page: number;
  cursor: string | null;
  /**
   * What the job is, copied from it when the page is queued (a job's kind and segments never
   * change): with them the runner starts the page's own reads (the Scan of a wallet job, a
   * replay's threshold) while it reads the job, instead of after. Only a hint: the page runs as
   * the job it reads says, and a page whose hint differs from it reads again. Absent from
   * messages queued before they were added (their pages read the job first).
   */
  kind?: string;
  segments?: number;
}

/** What working one page of a segment gave, recorded by `completePage`. */
export interface PageResult {
  /** The Scan's LastEvaluatedKey as JSON; null when the segment is finished. */
  nextCursor: string | null;
  counters: JobCounters;
  changes: JobChange[];
  finishedAtMs: number;
}

/** Where jobs and their segments' progress are kept. */
export interface JobStore {
  /** Writes the job and its segments (page 0, no cursor). */
  create(job: Job): Promise<void>;
  /** The job and every segment's progress, or undefined for an unknown (or expired) job. */
  get(jobId: string): Promise<{ job: Job; segments: JobSegment[] } | undefined>;
  /**
   * Records a finished page: moves the segment from `page` to `page + 1`, sets the cursor, adds
   * the counters. 'stale' when the segment was not at `page` (the page was counted already).
   */
  completePage(
    jobId: string,
    segment: number,
    page: number,
    result: PageResult,
  ): Promise<'recorded' | 'stale'>;
  /**
   * Every segment, of every job, that is not done: for restarting jobs whose queued pages were lost
   * (the local runtime's in-process SQS keeps nothing), never on a request path. Reads grow with
   * the unfinished jobs, not with the table (the DynamoDB store keeps a registry of them).
   */
  unfinishedSegments(): Promise<{ jobId: string; job: Job; segment: JobSegment }[]>;
}

/** Where job pages are queued (SQS in AWS; the local SQS on a laptop). */
export interface JobQueue {
  /** Queues the messages; resolves once every one is accepted. */
  send(messages: JobMessage[]): Promise<void>;
}
