/**
 * The job runner's composition (`run-jobs`), in a module of its own: it loads the rules engine
 * with `import()` (composition/lazy-rules.ts), and any function whose module graph holds that
 * `import()` would load at its cold start what it shares with the lazy chunk.
 */
import { sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { makeJobPageWork, makeJobWork } from '#app/job-work.ts';
import type { JobDeps } from '#app/jobs.ts';
import { eventStoreFromEnv, jobStoreFromEnv, ONE_WALLET_WRITES, readModelsFromEnv } from './adapters.ts';
import { clockAndIds, threshold } from './lambda.ts';
import { lazyRuleSetVersions } from './lazy-rules.ts';
import { jobQueueFromEnv } from './queued.ts';

let jobWork: Pick<JobDeps, 'work' | 'workPage'> | undefined;

export function jobDeps(): JobDeps {
  const events = eventStoreFromEnv(ONE_WALLET_WRITES);
  const readModels = readModelsFromEnv();
  const jobs = jobStoreFromEnv();
  if (jobWork === undefined) {
    const workDeps = {
      events,
      readModels,
      // Replay jobs evaluate no rule: the CEL engine loads with the first backtest job.
      ruleSets: lazyRuleSetVersions(),
      config: threshold,
      hash: sha256Hex,
      ...clockAndIds(),
    };
    jobWork = { work: makeJobWork(workDeps), workPage: makeJobPageWork(workDeps) };
  }
  return { store: events, jobs, queue: jobQueueFromEnv(), ...clockAndIds(), ...jobWork };
}
