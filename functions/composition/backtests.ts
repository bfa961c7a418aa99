/**
 * `/rules/backtest`'s composition. A `POST` resolves its candidate rule set (a version, or text
 * compiled here) and evaluates it; a `GET` of a job's report compiles nothing. So the CEL compiler
 * loads with the instance's first `POST`, in a chunk of its own, and a cold start whose call polls
 * a report does not load it.
 */
import { sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { RuleSetVersions } from '#app/active-rules.ts';
import { eventStoreFromEnv, jobStoreFromEnv, perTable } from './adapters.ts';
import { jobQueueFromEnv } from './job-queue.ts';
import { clockAndIds } from './lambda.ts';
import { GROUP_ON_FIRST_BATCH } from './lazy-group.ts';
import { ruleSetReaderFromEnv } from './rule-set-stores.ts';

/** Every published rule set version, compiled on first use, with the compiler loaded then. */
const ruleSetVersions = /* @__PURE__ */ perTable(
  () => new RuleSetVersions(ruleSetReaderFromEnv(), sha256Hex, () => import('#rules/compile-form.ts')),
);

export async function backtestDeps() {
  return {
    stores: { events: eventStoreFromEnv(GROUP_ON_FIRST_BATCH), jobs: jobStoreFromEnv() },
    ruleSets: ruleSetVersions(),
    queue: jobQueueFromEnv,
    ...clockAndIds(),
  };
}
