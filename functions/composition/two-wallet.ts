/**
 * The composition of transfers, which write two wallets in one transaction (holds and offers,
 * composition/holds.ts, and the payment webhook take TWO_WALLET_WRITES from here), in a module of
 * its own, apart from lambda.ts, which every function imports: the two-wallet batch's append kind is loaded with
 * `import()`, and any function whose module graph holds that `import()` would load at its cold
 * start what it shares with the lazy chunk.
 */

import type { AppendKinds } from '#adapters/dynamodb/append-kinds.ts';
import { appendTogether } from '#adapters/dynamodb/append-together.ts';
import type { appendTogetherGroup } from '#adapters/dynamodb/append-together-group.ts';
import { withWalletAndHead } from '#adapters/dynamodb/wallet-and-head.ts';
import type { TransferDeps } from '#app/transfer.ts';
// The stored events' full schema, statically: transfers and settlements write and read events
// the fast path does not (composition/lane-zero.ts says why).
import '#adapters/dynamodb/table-layout/event-item-schema.ts';
import { eventStoreFromEnv } from './adapters.ts';
import { TRADING_INDEX_WRITES } from './index-writes.ts';
import { clockAndIds } from './lambda.ts';

/**
 * Only a batch of two or more two-wallet commands appends them together in one transaction
 * (app/group-commit-two.ts, whose batch path is itself loaded with `import()` when two wait at
 * once). A Lambda instance serves one invocation at a time and never batches two (docs/benchmarks.md,
 * "Bundling"), so the batch's append kind is loaded with that path, on its first call, and not at
 * every cold start. The store still has the kind: a process that batches (the local runtime)
 * group-commits as before.
 */
const appendTogetherGroupOnFirstCall: typeof appendTogetherGroup = async (...args) =>
  (await import('#adapters/dynamodb/append-together-group.ts')).appendTogetherGroup(...args);

/** The append kinds of a two-wallet command (app/two-wallet-command.ts, group-commit-two.ts). */
export const TWO_WALLET_WRITES: AppendKinds = {
  appendTogether,
  appendTogetherGroup: appendTogetherGroupOnFirstCall,
};

/** Transfers: the event store (two wallets in one transaction), clock, ids. */
export const transferDeps = (): TransferDeps => ({
  // A state folded from nothing is one read, lane 0's head with it (app/exact-state.ts exactStateEarly).
  store: withWalletAndHead(eventStoreFromEnv(TWO_WALLET_WRITES, TRADING_INDEX_WRITES)),
  ...clockAndIds(),
});
