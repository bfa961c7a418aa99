import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoAccountSnapshotStore } from '#adapters/dynamodb/account-snapshots.ts';
import { appendGroups, findIdempotencies } from '#adapters/dynamodb/append-groups.ts';
import type { AppendKinds } from '#adapters/dynamodb/append-kinds.ts';
import { DynamoCheckpointStore } from '#adapters/dynamodb/checkpoints.ts';
import { createDocumentClient } from '#adapters/dynamodb/client.ts';
import { DynamoEventStoreBase } from '#adapters/dynamodb/event-store-base.ts';
import { headAndLanes, tailAndLanes } from '#adapters/dynamodb/head-and-lanes.ts';
import { DynamoJobStore } from '#adapters/dynamodb/jobs.ts';
import { DynamoPaymentIndex } from '#adapters/dynamodb/payment-index.ts';
import { readEventRefs } from '#adapters/dynamodb/read-event-refs.ts';
import { DynamoReadModelStore } from '#adapters/dynamodb/read-models.ts';
import { registerFirst } from '#adapters/dynamodb/register-first.ts';
import { DynamoSnapshotStore } from '#adapters/dynamodb/snapshots.ts';
import { DynamoTradingIndex } from '#adapters/dynamodb/trading-index.ts';
import { enableGroupCommit } from '#app/group-commit-enabled.ts';
import { tracedEventStore } from '#observability/traced-ports.ts';
import type { EventStore } from '#ports/event-store.ts';
import { dynamodbEndpointFromEnv, groupCommitFromEnv, tableNameFromEnv } from './config.ts';

/**
 * The real adapters of a function instance, built from the configuration config.ts reads. Each is
 * built on first use, so a handler module loads without touching the network or the environment.
 * All of them belong to the document client and table they were built on: when ENV.dynamodbEndpoint
 * or the table name changes (tests start one local runtime after another in one process, each on
 * its own DynamoDB), the next use builds them again, as composition/sqs.ts does for SQS.
 */
interface Table {
  endpoint: string | undefined;
  name: string;
  client: DynamoDBDocumentClient;
}
let table: Table | undefined;

/** The document client (on ENV.dynamodbEndpoint when set, only locally) and table of now. */
function tableFromEnv(): Table {
  const endpoint = dynamodbEndpointFromEnv();
  const name = tableNameFromEnv();
  // With no table yet, `table?.name` (undefined) differs from any name (never empty).
  if (table?.endpoint !== endpoint || table?.name !== name) {
    // Without a (local) endpoint the client uses the function's region and role.
    table = { endpoint, name, client: createDocumentClient({ endpoint }) };
  }
  return table as Table;
}

/**
 * `build` once per document client and table: the stores below, and the caches built over them
 * (the active rule sets, composition/lambda.ts and rule-sets.ts).
 */
export function perTable<T>(build: (client: DynamoDBDocumentClient, tableName: string) => T): () => T {
  let held: { on: Table; value: T } | undefined;
  return () => {
    const on = tableFromEnv();
    if (held?.on !== on) held = { on, value: build(on.client, on.name) };
    return held.value;
  };
}

/** A store built from the document client and table alone, once per table (perTable). */
export const storeOnTable = <T>(
  Store: new (client: DynamoDBDocumentClient, tableName: string) => T,
): (() => T) => perTable((client, tableName) => new Store(client, tableName));

/** /verify's signed checkpoints live in the wallet's partition of the one table. */
export const checkpointStoreFromEnv = /* @__PURE__ */ storeOnTable(DynamoCheckpointStore);

/** What a function's writes call beyond the single-lane append (adapters/dynamodb/append-kinds.ts). */
export type WriteKinds = AppendKinds;

/**
 * The append kinds (adapters/dynamodb/append-kinds.ts) a write calls, named by the builders of the
 * composition so each function bundles only its own: one wallet's lane-0 commands group-commit,
 * each through the batch path, alone too (composition/lane-zero.ts, ONE_WALLET_WRITES); credits
 * batch only when two wait on one wallet at once (composition/lazy-group.ts); a two-wallet command
 * appends both wallets together and groups those (composition/two-wallet.ts, TWO_WALLET_WRITES).
 * Those live in modules of their own: esbuild puts a module any static import reaches in the cold
 * start, even one only an unused constant names, and every function imports this one. A kind left
 * out still works, loaded on its first call; naming it only moves it into the cold start.
 */
/**
 * A writer new to a wallet reads lane 0's head and the lane registry in one Query before a credit
 * (app/placement.ts), and a lane it opens is registered just before its version 1 (register-first.ts:
 * no transaction for a keyless credit; a lost opening answers the registry): named by the
 * hot-wallet producers, deposit and ingest. Other writers read lane 0's head alone, as before lane
 * discovery (one request, and no registry: a move then reads the head of the lane it picks), and
 * register a lane they open in its append's transaction.
 */
export const LANE_DISCOVERY: AppendKinds = { headAndLanes, registerFirst };
/**
 * A read that catches a wallet's view or an account's state up from the log reads the lane
 * registry with lane 0's newest events, in one Query (app/read-events.ts lanesAndLaneZero): named
 * by the reads that fold (details, wallets, accounts), so a view or state a few events behind in
 * lane 0 (or none yet, on a short log) is answered after one wait.
 */
export const LANE_ZERO_READS: AppendKinds = { tailAndLanes };
/**
 * Ingest appends a batch's wallets together and looks up the batch's idempotency keys in one read
 * (app/ingest-batch.ts → `appendGroups`, `findIdempotencies`).
 */
export const BATCH_WRITES: AppendKinds = { appendGroups, findIdempotencies };
/** The stream consumers read a batch's events by their keys (app/projection-batch.ts, app/publish-stream.ts). */
export const STREAM_READS: AppendKinds = { readEvents: readEventRefs };

const eventStores = /* @__PURE__ */ perTable((client, tableName) => {
  const base = new DynamoEventStoreBase(client, tableName);
  const store = tracedEventStore(base);
  if (groupCommitFromEnv()) enableGroupCommit(store);
  return { base, store };
});

/**
 * The event store of this function instance, with the append kinds its callers name (reads need
 * none). Appends run in an `event-store append` span whose context is stored with the events
 * (observability/traced-ports.ts); concurrent commands on one wallet in this process share a
 * transaction (app/group-commit.ts). Built on its own, not through `storesFromEnv`, so a function
 * that only appends (deposit, transfers, holds) bundles no other store's code. One object per
 * instance whatever kinds are asked for: the local runtime hosts every function in one process,
 * so later callers add their kinds to it (one object per table: perTable).
 */
export function eventStoreFromEnv(...kinds: WriteKinds[]): EventStore {
  const { base, store } = eventStores();
  for (const each of kinds) base.plug(each);
  return store;
}

/** The wallets' read models (views), built on first use. */
export const readModelsFromEnv = /* @__PURE__ */ storeOnTable(DynamoReadModelStore);

/** The wallets' stored state snapshots. */
export const snapshotsFromEnv = /* @__PURE__ */ storeOnTable(DynamoSnapshotStore);

/** The replay and backtest jobs' records. */
export const jobStoreFromEnv = /* @__PURE__ */ storeOnTable(DynamoJobStore);

/** Card accounts' stored read snapshots (one item in each account's wallet partition). */
export const accountSnapshotsFromEnv = /* @__PURE__ */ storeOnTable(DynamoAccountSnapshotStore);

/** The offer book and the expiry index, in the one table (adapters/dynamodb/trading-index.ts). */
export const tradingIndexFromEnv = /* @__PURE__ */ storeOnTable(DynamoTradingIndex);

/** The wallets' payment listings (adapters/dynamodb/payment-index.ts), without the rest of the trading index. */
export const paymentIndexFromEnv = /* @__PURE__ */ storeOnTable(DynamoPaymentIndex);
