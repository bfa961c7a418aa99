import type { CardDeps } from '#app/cards.ts';
import { builtInDecisionRules } from '#app/default-decision-rules.ts';
import { storesFromEnv } from './adapters.ts';
import { clockAndIds } from './lambda.ts';

/**
 * Card accounts' dependencies: the event store (accounts are wallets), clock, ids and the decision
 * rules. `TALLY_AUTHORIZATION_TTL_SECONDS` sets how long an approval stays pending (default 7 days).
 */
export const cardDeps = (): CardDeps => {
  const ttlSeconds = Number(process.env.TALLY_AUTHORIZATION_TTL_SECONDS ?? '');
  return {
    store: storesFromEnv().events,
    ...clockAndIds(),
    decisionRules: builtInDecisionRules,
    ...(Number.isSafeInteger(ttlSeconds) && ttlSeconds > 0 ? { authorizationTtlMs: ttlSeconds * 1000 } : {}),
  };
};
