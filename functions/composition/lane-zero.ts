/**
 * The lane-0 writers' group commit (holds, offers, payments, orders, cards, the expiry sweep): every
 * lane-0 command, alone too, commits through group commit's batch path (app/group-commit.ts: it
 * decides on the state the wallet's last batch left) and the group append. Named here, in a module
 * only their compositions import, so both are in those functions' cold start and in no other's:
 * esbuild puts a module that any static import reaches in the cold start, and the credit-only
 * writers (deposit, ingest: composition/lazy-group.ts) load them with their first batch instead.
 */
import { appendGroup } from '#adapters/dynamodb/append-group.ts';
import type { SweepDeps } from '#app/expiry-sweep.ts';
// Group commit's batch path, statically: in these functions' cold start (app/group-commit.ts).
import '#app/group-commit-batch.ts';
// The stored events' full schema, statically: the fast path (event-item-fast.ts) reads deposits,
// facts and awards only, and these writers' own events (holds, offers, payments, card accounts)
// are what their wallets hold, so nearly every call reads one. Credit-only writers and readers
// load it with the first such item (event-item.ts).
import '#adapters/dynamodb/table-layout/event-item-schema.ts';
import { eventStoreFromEnv, tradingIndexFromEnv, type WriteKinds } from './adapters.ts';
import { TRADING_INDEX_WRITES } from './index-writes.ts';
import { clockAndIds } from './instance.ts';

/** One wallet's lane-0 writes: the group append (the batch path is imported above). */
export const ONE_WALLET_WRITES: WriteKinds = { appendGroup };

/** The expiry sweep: the event store, the expiry index, the clock and ids. */
export const sweepDeps = (): SweepDeps => ({
  store: eventStoreFromEnv(ONE_WALLET_WRITES, TRADING_INDEX_WRITES),
  expiries: tradingIndexFromEnv(),
  ...clockAndIds(),
});
