/**
 * The compositions of holds and offers, which write one wallet in lane 0 (place, release:
 * composition/lane-zero.ts) and two together (settle: composition/two-wallet.ts). Apart from
 * two-wallet.ts so that transfers, which writes two wallets only, carries no lane-0 group commit.
 */

import { readTransferEventsFast } from '#adapters/dynamodb/table-layout/transfer-event-fast.ts';
import { DynamoOfferBook } from '#adapters/dynamodb/trading-index.ts';
import { withWalletAndHead } from '#adapters/dynamodb/wallet-and-head.ts';
import type { HoldDeps } from '#app/holds.ts';
import { eventStoreFromEnv, perTable } from './adapters.ts';
import { TRADING_INDEX_WRITES } from './index-writes.ts';
import { clockAndIds } from './lambda.ts';
import { ONE_WALLET_WRITES } from './lane-zero.ts';
import { TWO_WALLET_WRITES } from './two-wallet.ts';

/** Holds (and offers) write one wallet (place, release) and two (settle). */
export const holdDeps = (): HoldDeps => {
  // A trading wallet's log holds transfers: read without the event item's schema (transfer-event-fast.ts).
  readTransferEventsFast();
  return {
    // A state folded from nothing is one read, lane 0's head with it (app/exact-state.ts exactStateEarly).
    store: withWalletAndHead(eventStoreFromEnv(ONE_WALLET_WRITES, TWO_WALLET_WRITES, TRADING_INDEX_WRITES)),
    ...clockAndIds(),
  };
};
/** The offer book alone (the offers function lists it; only the sweep reads the expiry index). */
const offerBookFromEnv = /* @__PURE__ */ perTable(
  (client, tableName) => new DynamoOfferBook(client, tableName),
);

/** Offers: the hold's dependencies and the offer book's index, in the same table. */
export const offerDeps = () => ({ ...holdDeps(), book: offerBookFromEnv() });
