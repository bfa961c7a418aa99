import type { CardDeps, DecisionRuleSource } from '#app/cards.ts';
import { logger } from '#observability/powertools.ts';
import { accountSnapshotsFromEnv, eventStoreFromEnv, LANE_ZERO_READS, perTable } from './adapters.ts';
import { TRADING_INDEX_WRITES } from './index-writes.ts';
import { clockAndIds } from './instance.ts';
import { ONE_WALLET_WRITES } from './lane-zero.ts';

/**
 * The decision rules in force for this instance: the latest published version, else the built-in.
 * Only an authorization reads them (app/cards.ts), so the rules compiler and the CEL engine (about
 * 90 KB), and the rule-set store they are read from, load with the instance's first authorization,
 * in a chunk of their own (composition/card-decision-rules.ts): a cold start whose call opens an
 * account, reads a balance or a statement, captures, voids or pays does not load them. This module
 * imports neither lambda.ts nor rule-set-stores.ts, which would put the store back at the cold start.
 */
const decisionRulesFromEnv = /* @__PURE__ */ perTable((): DecisionRuleSource => {
  let active: Promise<DecisionRuleSource> | undefined;
  const load = async () =>
    (await import('./card-decision-rules.ts')).activeDecisionRules(clockAndIds().clock);
  return {
    current: async () => {
      // A failed load (the chunk, or building the rules over their store) is tried again by the
      // next authorization, not remembered (test/unit/composition/card-rules-retry.test.ts).
      active ??= load().catch((error: unknown) => {
        active = undefined;
        throw error;
      });
      return (await active).current();
    },
  };
});

/**
 * Card accounts' dependencies: the event store (accounts are wallets), clock, ids and the decision
 * rules. `TALLY_AUTHORIZATION_TTL_SECONDS` sets how long an approval stays pending (default 7 days).
 */
export const cardDeps = (): CardDeps => {
  const ttlSeconds = Number(process.env.TALLY_AUTHORIZATION_TTL_SECONDS ?? '');
  return {
    // Card commands write one account (a wallet) each: app/cards.ts → command-handler.ts.
    // The balance read catches the account up with the registry and lane 0's newest events.
    store: eventStoreFromEnv(ONE_WALLET_WRITES, TRADING_INDEX_WRITES, LANE_ZERO_READS),
    ...clockAndIds(),
    decisionRules: decisionRulesFromEnv(),
    accountLog: logger,
    accountSnapshots: accountSnapshotsFromEnv(),
    ...(Number.isSafeInteger(ttlSeconds) && ttlSeconds > 0 ? { authorizationTtlMs: ttlSeconds * 1000 } : {}),
  };
};
