import { ActiveDecisionRules } from '#app/card-decision-rules.ts';
import type { CardDeps } from '#app/cards.ts';
import { logger } from '#observability/powertools.ts';
import {
  accountSnapshotsFromEnv,
  decisionRuleSetsFromEnv,
  eventStoreFromEnv,
  ONE_WALLET_WRITES,
  perTable,
  TRADING_INDEX_WRITES,
} from './adapters.ts';
import { clockAndIds } from './lambda.ts';

/** The decision rules in force for this instance: the latest published version, else the built-in. */
const decisionRulesFromEnv = /* @__PURE__ */ perTable(
  () => new ActiveDecisionRules(decisionRuleSetsFromEnv(), clockAndIds().clock),
);

/**
 * Card accounts' dependencies: the event store (accounts are wallets), clock, ids and the decision
 * rules. `TALLY_AUTHORIZATION_TTL_SECONDS` sets how long an approval stays pending (default 7 days).
 */
export const cardDeps = (): CardDeps => {
  const ttlSeconds = Number(process.env.TALLY_AUTHORIZATION_TTL_SECONDS ?? '');
  return {
    // Card commands write one account (a wallet) each: app/cards.ts → command-handler.ts.
    store: eventStoreFromEnv(ONE_WALLET_WRITES, TRADING_INDEX_WRITES),
    ...clockAndIds(),
    decisionRules: decisionRulesFromEnv(),
    accountLog: logger,
    accountSnapshots: accountSnapshotsFromEnv(),
    ...(Number.isSafeInteger(ttlSeconds) && ttlSeconds > 0 ? { authorizationTtlMs: ttlSeconds * 1000 } : {}),
  };
};

export { decisionRulesDeps } from './decision-rules.ts';
