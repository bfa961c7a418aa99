/**
 * review7: a replay's threshold prefetch started by a page that then does not run (a duplicate)
 * is left in flight when runJobPage returns. In Lambda the process is frozen right after the
 * handler answers; the read's answer is processed at the next thaw and ActiveThresholds stamps it
 * fresh then (checkedAtMs = answer time), so the next replay page, maybe minutes later, folds under
 * the threshold of minutes ago although another rule set was published meanwhile.
 * On main the duplicate reads no threshold, and the later page reads the one in force.
 * And (review7, low): the early Scan of a page that then does not run leaves no rejection unhandled.
 */
import { beforeEach, expect, it } from 'vitest';
import { sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { RuleSetVersions } from '#app/active-rules.ts';
import { ActiveThresholds } from '#app/active-threshold.ts';
import * as jobWork from '#app/job-work.ts';
import { type JobDeps, runJobPage, startJob } from '#app/jobs.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import type { JobMessage } from '#ports/jobs.ts';
import type { StoredRuleSet } from '#ports/rule-sets.ts';
import { DEFAULT_THRESHOLD_FLAG } from '#rules/types.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import { InMemoryJobQueue, InMemoryJobStore } from '../../support/in-memory-job-store.ts';
import { InMemoryRuleSetStore } from '../../support/in-memory-rule-set-store.ts';
import { appendDeposit } from '../../support/lane-zero-writes.ts';

const T0 = Date.parse('2026-11-22T10:00:00Z');
/** A published version with its stored form (as every publish stores it): the flag's threshold in minor units. */
const rules = (thresholdMinor: string, version: number): StoredRuleSet => ({
  version,
  text: `(version ${version})`,
  textHash: `h${version}`,
  publishedAtMs: T0,
  form: JSON.stringify({ v: 1, rules: [], flag: { ...DEFAULT_THRESHOLD_FLAG, thresholdMinor } }),
});

let nowMs: number;
let active: StoredRuleSet;
let hold: Promise<void> | undefined;
let deps: JobDeps;
let queue: InMemoryJobQueue;
let jobs: InMemoryJobStore;
/** The thresholds the pages' work folded under (makeJobPageWork's config calls). */
let used: ThresholdConfig[];

beforeEach(async () => {
  nowMs = T0;
  active = rules('1000000', 1);
  hold = undefined;
  used = [];
  const clock = { nowMs: () => nowMs };
  const store = new InMemoryEventStore({ pageSize: 2 });
  for (const walletId of ['w0', 'w1', 'w2', 'w3'])
    await appendDeposit(store, walletId, 1_000n, { eventId: `${walletId}-d`, occurredAtMs: T0 });
  // The rule set table: read when asked, answered when `hold` lets it (a request in flight).
  const reader = {
    active: async () => {
      const answer = active;
      if (hold !== undefined) await hold;
      return answer;
    },
    version: async () => undefined,
    versions: async () => [],
  };
  const thresholds = new ActiveThresholds(reader, clock);
  let ids = 0;
  const idGenerator = { newId: () => `id-${++ids}` };
  const workDeps: jobWork.JobWorkDeps = {
    events: store,
    readModels: store,
    ruleSets: new RuleSetVersions(new InMemoryRuleSetStore(), sha256Hex),
    config: () => thresholds.current(),
    hash: sha256Hex,
    clock,
    ids: idGenerator,
  };
  const pageWork = jobWork.makeJobPageWork({
    ...workDeps,
    config: async () => {
      const threshold = await thresholds.current();
      used.push(threshold);
      return threshold;
    },
  });
  jobs = new InMemoryJobStore();
  queue = new InMemoryJobQueue();
  deps = {
    store,
    jobs,
    queue,
    clock,
    ids: idGenerator,
    work: async () => undefined,
    workPage: pageWork,
    // As composition/jobs.ts wires it.
    prefetch: jobWork.makeJobPrefetch(workDeps),
  } as JobDeps;
});

it('a duplicate page left no threshold read in flight that a later page folds under', async () => {
  const job = await startJob(deps, { kind: 'replay', dryRun: true });
  const messages: JobMessage[] = [];
  for (let m = queue.take(); m !== undefined; m = queue.take()) messages.push(m);
  const seg0 = messages.find((m) => m.segment === 0) as JobMessage;
  const seg1 = messages.find((m) => m.segment === 1) as JobMessage;
  // Page 0 of segment 0 runs (threshold 10,000 read and held).
  expect(await runJobPage(deps, seg0)).toBe('done');
  expect(used.at(-1)?.thresholdMinor).toBe(1_000_000n);

  // Later (the held threshold is past its refresh), page 0 of segment 0 is delivered again.
  nowMs += 60_000;
  let answer = () => {};
  hold = new Promise<void>((resolve) => {
    answer = resolve;
  });
  const duplicate = runJobPage(deps, seg0, true);
  const answeredFirst = await Promise.race([
    duplicate.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 50)),
  ]);
  // A runner that waits for what it started: the read answers now, before the handler does.
  if (!answeredFirst) answer();
  expect(await duplicate).toBe('duplicate');
  // The handler has answered: Lambda freezes the process here, whatever is in flight.
  hold = undefined;

  // Ten minutes pass; a rule set with a threshold of 50 is published and in force.
  nowMs += 600_000;
  active = rules('5000', 2);
  // Thaw: what was in flight is answered now (the answer of ten minutes ago).
  answer();
  await new Promise((resolve) => setTimeout(resolve, 5));

  // The next replay page folds under the threshold in force (50.00), not the one of before.
  expect(await runJobPage(deps, seg1)).toBe('done');
  expect(used.at(-1)?.thresholdMinor).toBe(5_000n);
  expect(job.jobId).toBeDefined();
});

it('a duplicate page whose early Scan fails answers duplicate, with no rejection left unhandled', async () => {
  await startJob(deps, { kind: 'replay', dryRun: true });
  const messages: JobMessage[] = [];
  for (let m = queue.take(); m !== undefined; m = queue.take()) messages.push(m);
  const seg0 = messages.find((m) => m.segment === 0) as JobMessage;
  expect(await runJobPage(deps, seg0)).toBe('done');

  // Delivered again; its early Scan (started before the job read says it is a duplicate) fails.
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    let scans = 0;
    const failing = {
      ...deps,
      store: Object.assign(Object.create(deps.store), {
        walletIds: () => {
          scans++;
          return Promise.reject(new Error('throttled'));
        },
      }),
    } as JobDeps;
    expect(await runJobPage(failing, seg0)).toBe('duplicate');
    expect(scans).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 10));
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
  expect(unhandled).toEqual([]);
});
