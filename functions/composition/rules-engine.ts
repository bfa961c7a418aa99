/**
 * The compositions of the functions that evaluate rules on (nearly) every call and so load the CEL
 * engine at their cold start: ingest (every fact is scored), backtests (`POST /backtests` compiles
 * its candidate). The engine itself is built in composition/rule-sets.ts; the functions that
 * evaluate on some calls only load it through composition/lazy-rules.ts.
 */

import { canonicalJson, sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import type { IngestDeps } from '#app/ingest.ts';
import type { BusIngestDeps } from '#app/ingest-message.ts';
import { logger } from '#observability/powertools.ts';
import { activeTracing } from '#observability/tracing.ts';
import {
  BATCH_WRITES,
  eventStoreFromEnv,
  jobStoreFromEnv,
  LANE_DISCOVERY,
  ONE_WALLET_WRITES,
  TRADING_INDEX_WRITES,
} from './adapters.ts';
import { clockAndIds } from './lambda.ts';
import { deadLettersFromEnv, jobQueueFromEnv } from './queued.ts';
import { activeRulesFromEnv, ruleSetVersionsFromEnv } from './rule-sets.ts';

export function ingestDepsFromEnv(): IngestDeps {
  return {
    // Ingest writes one wallet's commands (deposits, facts, card events) and whole batches.
    store: eventStoreFromEnv(ONE_WALLET_WRITES, BATCH_WRITES, LANE_DISCOVERY, TRADING_INDEX_WRITES),
    ...clockAndIds(),
    rules: activeRulesFromEnv(),
    hash: sha256Hex,
    canonicalJson,
    accountLog: logger,
  };
}

/** The events queue's and Kafka's consumers: ingest, and the DLQ for what can never apply. */
export const busIngestDeps = (): BusIngestDeps => ({
  ingest: ingestDepsFromEnv(),
  deadLetters: deadLettersFromEnv(),
  log: logger,
  tracing: activeTracing,
});

/** `POST /backtests`: every call resolves its candidate rule set (a version, or text compiled here). */
export async function backtestDeps() {
  return {
    stores: { events: eventStoreFromEnv(ONE_WALLET_WRITES), jobs: jobStoreFromEnv() },
    ruleSets: ruleSetVersionsFromEnv(),
    queue: jobQueueFromEnv,
    ...clockAndIds(),
  };
}
