import type { appendGroup } from './append-group.ts';
import type { appendGroups, findIdempotencies } from './append-groups.ts';
import type { appendTogether } from './append-together.ts';
import type { appendTogetherGroup } from './append-together-group.ts';
import type { headAndLanes, tailAndLanes } from './head-and-lanes.ts';
import type { IndexItemWriter } from './index-items.ts';
import type { readEventRefs } from './read-event-refs.ts';
import type { registerFirst } from './register-first.ts';
import type { verifyLanes } from './verify-lanes.ts';
import type { scanWalletIds } from './wallet-ids.ts';
import type { walletLanes } from './wallet-lanes.ts';

/**
 * The event store's append kinds beyond the single-lane append, each in a module of its own
 * (event-store-base.ts). The composition hands a store the kinds its function calls, so only
 * those are in that function's bundle: deposit and the sweeps group-commit one wallet
 * (`appendGroup`), transfers append two wallets together (`appendTogether`, and
 * `appendTogetherGroup` to group those), ingest packs many wallets (`appendGroups`,
 * `findIdempotencies`). One read is handed in the same way: `readEvents` (events by their exact
 * keys), which only the stream consumers call (the projector and the outbox relay), and
 * `headAndLanes` (lane 0's head and the lane registry in one Query), which a writer new to a wallet
 * calls before a credit: the hot-wallet producers (deposit, ingest) name it; other writers read
 * lane 0's head alone (app/placement.ts). Reads that catch a view or an account up from the log
 * (details, wallets, accounts) name `tailAndLanes`: the registry and lane 0's last events in one
 * Query (app/read-events.ts lanesAndLaneZero). The hot-wallet producers name `registerFirst`: a lane they open
 * is registered by a plain UpdateItem before its version 1 (no transaction for a keyless credit,
 * and a lost race answers the registry); without it the registration rides in the append's
 * transaction. The listing of wallets (`scanWalletIds`) and the chain
 * walk (`verifyLanes`) are loaded on their first call unless handed in: the checkpoint sweep, whose
 * every tick lists wallets and walks chains, names both, so its first requests wait on no chunk.
 * It also names `walletLanes` (`lanesOf`: a slice of wallets' lane registries in one BatchGetItem).
 * Type-only imports: naming a kind here bundles nothing.
 */
export interface AppendKinds {
  appendTogether?: typeof appendTogether;
  appendGroup?: typeof appendGroup;
  appendGroups?: typeof appendGroups;
  findIdempotencies?: typeof findIdempotencies;
  appendTogetherGroup?: typeof appendTogetherGroup;
  readEvents?: typeof readEventRefs;
  headAndLanes?: typeof headAndLanes;
  tailAndLanes?: typeof tailAndLanes;
  registerFirst?: typeof registerFirst;
  scanWalletIds?: typeof scanWalletIds;
  verifyLanes?: typeof verifyLanes;
  walletLanes?: typeof walletLanes;
  /**
   * The offer, expiry and payment item writer of the index changes the function's writes make
   * (index-item-writers.ts): none for the ledger's writes, the listing's for a payment's own.
   */
  indexItems?: IndexItemWriter;
}
