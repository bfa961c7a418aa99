/**
 * Card accounts' ingest (app/card-ingest.ts), loaded by ingest with `import()` on the first account
 * event (composition/rules-engine.ts): a points ingest never applies one. Their writes change the
 * trading index (an account is a wallet whose card events name expiries and payment listings:
 * app/trading-index.ts), so the store is handed those item writers here, with the code that needs
 * them.
 */

import { writeTradingIndex } from '#adapters/dynamodb/index-item-writers.ts';
import { ingestAccountEvent } from '#app/card-ingest.ts';
import { eventStoreFromEnv } from './adapters.ts';
import { ONE_WALLET_WRITES } from './lane-zero.ts';

/**
 * The account events' ingest, the instance's event store holding the trading index's writers and
 * lane 0's group commit (card events are lane-0 writes, each through the batch path).
 */
export function accountIngest(): typeof ingestAccountEvent {
  eventStoreFromEnv(ONE_WALLET_WRITES, { indexItems: writeTradingIndex });
  return ingestAccountEvent;
}
