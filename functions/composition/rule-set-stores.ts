/**
 * The rule-set stores (adapters/dynamodb/rule-sets.ts), in a module of their own rather than
 * adapters.ts, which every function imports: a function reaches the store only through the
 * compositions that read rule sets (lambda.ts's threshold, the rules engine, `/rules`,
 * `/decision-rules`). The accounts function reads the card decision rules with its first
 * authorization only, so it reaches them through composition/card-decision-rules.ts' `import()`,
 * and its cold start loads no rule-set store (esbuild puts a module reached both statically and
 * by an `import()` into the eager part).
 */
import { DynamoRuleSetStore } from '#adapters/dynamodb/rule-sets.ts';
import { DECISION_RULES_PK } from '#adapters/dynamodb/table-layout/keys.ts';
import { perTable, storeOnTable } from './adapters.ts';

/** The published rule sets (the active one's threshold is what the wallet views flag by). */
export const ruleSetsFromEnv = /* @__PURE__ */ storeOnTable(DynamoRuleSetStore);

/** The card decision rules' published versions (their own partition of the one table). */
export const decisionRuleSetsFromEnv = /* @__PURE__ */ perTable(
  (client, tableName) => new DynamoRuleSetStore(client, tableName, DECISION_RULES_PK),
);
