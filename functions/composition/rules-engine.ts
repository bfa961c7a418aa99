/**
 * The composition of ingest, which scores every fact with the active rule set. The CEL engine is
 * not loaded at its cold start: the active rule set is built from its stored form, and compiles
 * the rules that need CEL (loading the engine) for the first fact that is a candidate for one
 * (app/active-rules.ts, rules/stored-runtime.ts). The rule sets are built in
 * composition/rule-sets.ts; `/rules/backtest` has its own composition (composition/backtests.ts),
 * which loads the compiler with its first `POST`.
 */

import type { AppendKinds } from '#adapters/dynamodb/append-kinds.ts';
import { canonicalJson, sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import type { IngestDeps } from '#app/ingest.ts';
import type { BusIngestDeps } from '#app/ingest-message.ts';
import { logger } from '#observability/powertools.ts';
import { activeTracing } from '#observability/tracing.ts';
import { BATCH_WRITES, eventStoreFromEnv, LANE_DISCOVERY } from './adapters.ts';
import { clockAndIds } from './lambda.ts';
import { GROUP_ON_FIRST_BATCH } from './lazy-group.ts';
import { deadLettersFromEnv } from './queued.ts';
import { activeRulesFromEnv } from './rule-sets.ts';

/** Ingest's dependencies, its store holding `kinds` beyond one wallet's writes. */
function ingestDepsWith(...kinds: AppendKinds[]): IngestDeps {
  return {
    // Ingest writes one wallet's credits (deposits, facts; card events, lane 0: below).
    store: eventStoreFromEnv(GROUP_ON_FIRST_BATCH, LANE_DISCOVERY, ...kinds),
    ...clockAndIds(),
    rules: activeRulesFromEnv(),
    hash: sha256Hex,
    canonicalJson,
    accountLog: logger,
    // Card accounts' events load their ingest, and the trading index's writers, with the first one.
    accountEvents: async () => (await import('./card-ingest.ts')).accountIngest(),
  };
}

/**
 * The events queue's ingest, which also ingests a standard queue's batch together: its wallets'
 * groups in as few transactions as fit, its keys looked up in one read (app/ingest-batch.ts →
 * BATCH_WRITES).
 */
export const ingestDepsFromEnv = (): IngestDeps => ingestDepsWith(BATCH_WRITES);

/** The events queue's consumer: ingest, and the DLQ for what can never apply. */
export const busIngestDeps = (): BusIngestDeps => busDeps(ingestDepsFromEnv());

/**
 * Kafka's consumer: each partition's records are ingested one by one, in order
 * (triggers/kafka-batch.ts), never as a batch, so its store names no batch writes.
 */
export const kafkaIngestDeps = (): BusIngestDeps => busDeps(ingestDepsWith());

const busDeps = (ingest: IngestDeps): BusIngestDeps => ({
  ingest,
  deadLetters: deadLettersFromEnv(),
  log: logger,
  tracing: activeTracing,
});
