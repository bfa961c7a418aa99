/**
 * The job runner's composition (`run-jobs`), in a module of its own: it loads the rules engine
 * with `import()` (composition/lazy-rules.ts), and any function whose module graph holds that
 * `import()` would load at its cold start what it shares with the lazy chunk.
 * It hands the event store the listing of wallets (scanWalletIds, loaded on first use elsewhere):
 * a replay or backtest page starts its Scan with the job's read (app/jobs.ts), and a chunk loaded
 * then would send the Scan after that read came back.
 */
import { sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { scanWalletIds } from '#adapters/dynamodb/wallet-ids.ts';
import { makeJobPageWork, makeJobPrefetch, makeJobWork } from '#app/job-work.ts';
import type { JobDeps } from '#app/jobs.ts';
import { eventStoreFromEnv, jobStoreFromEnv, perTable, readModelsFromEnv } from './adapters.ts';
import { jobQueueFromEnv } from './job-queue.ts';
import { clockAndIds, threshold } from './lambda.ts';
import { GROUP_ON_FIRST_BATCH } from './lazy-group.ts';
import { lazyRuleSetVersions } from './lazy-rules.ts';
import type { Publisher } from './republish.ts';

/** The job runner's event store: grouped appends (lazy-group.ts), and the listing of wallets at hand. */
const jobEvents = () => eventStoreFromEnv(GROUP_ON_FIRST_BATCH, { scanWalletIds });

const jobWork = /* @__PURE__ */ perTable((): Pick<JobDeps, 'work' | 'workPage' | 'prefetch'> => {
  const workDeps = {
    events: jobEvents(),
    readModels: readModelsFromEnv(),
    // Replay jobs evaluate no rule: the CEL engine loads with the first backtest job.
    ruleSets: lazyRuleSetVersions(),
    config: threshold,
    hash: sha256Hex,
    ...clockAndIds(),
  };
  return {
    work: makeJobWork(workDeps),
    workPage: makeJobPageWork(workDeps),
    prefetch: makeJobPrefetch(workDeps),
  };
});

/**
 * The job runner's dependencies. A re-publish page publishes through `publisher` (default: the
 * outbox relay's, from the environment the stack gives run-jobs as it gives publish-events; the
 * local runtime passes its in-process bus), with code loaded on the first such page.
 */
export function jobDeps(publisher?: Publisher): JobDeps {
  const events = jobEvents();
  return {
    store: events,
    jobs: jobStoreFromEnv(),
    queue: jobQueueFromEnv(),
    ...clockAndIds(),
    ...jobWork(),
    republish: async (params, page) =>
      (await import('./republish.ts')).republishWork(publisher)(params, page),
  };
}
