/**
 * The group commit of the functions that practically never batch: the credit-only writers
 * (deposit; ingest, composition/rules-engine.ts) and the job runner and backtests, which write
 * only when a backtest applies (app/backtest-apply.ts, itself a lazy chunk). A credit (placement
 * `any-lane`) alone runs alone (app/group-commit.ts); only two or more credits waiting on one
 * wallet at once in one process take the batch path and its group append. A Lambda instance of
 * deposit or ingest serves one record at a time, so both load on their first call: the batch path
 * by group-commit.ts's own `import()`, the group append here. In a module of its own, apart from
 * lambda.ts, which every function imports: any function whose module graph holds an `import()`
 * would load at its cold start what it shares with the lazy chunk. The store still has the kind:
 * a process that batches (the local runtime) group-commits as before.
 */

import type { appendGroup } from '#adapters/dynamodb/append-group.ts';
import type { DepositDeps } from '#app/deposit.ts';
import { eventStoreFromEnv, LANE_DISCOVERY, type WriteKinds } from './adapters.ts';
import { clockAndIds } from './instance.ts';

const appendGroupOnFirstCall: typeof appendGroup = async (...args) =>
  (await import('#adapters/dynamodb/append-group.ts')).appendGroup(...args);

/** One wallet's writes, group-committed with the batch path and the group append loaded on first use. */
export const GROUP_ON_FIRST_BATCH: WriteKinds = { appendGroup: appendGroupOnFirstCall };

export const depositDeps = (): DepositDeps => ({
  store: eventStoreFromEnv(GROUP_ON_FIRST_BATCH, LANE_DISCOVERY),
  ...clockAndIds(),
});
