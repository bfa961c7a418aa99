/**
 * The rule-set stores (adapters/dynamodb/rule-sets.ts), in a module of their own rather than
 * adapters.ts, which every function imports: a function reaches the store only through the
 * compositions that read rule sets (lambda.ts's threshold, the rules engine, `/rules`,
 * `/decision-rules`). The accounts function reads the card decision rules with its first
 * authorization only, so it reaches them through composition/card-decision-rules.ts' `import()`,
 * and its cold start loads no rule-set store (esbuild puts a module reached both statically and
 * by an `import()` into the eager part). Those that only read rule sets take the reader
 * (adapters/dynamodb/rule-set-reader.ts), and bundle no publish: only `/rules`, `/decision-rules`
 * and whoever takes every store (lambda.ts `storesFromEnv`) take the store that publishes.
 */
import { DynamoRuleSetReader } from '#adapters/dynamodb/rule-set-reader.ts';
import { DynamoRuleSetStore } from '#adapters/dynamodb/rule-sets.ts';
import { DECISION_RULES_PK } from '#adapters/dynamodb/table-layout/keys.ts';
import { perTable, storeOnTable } from './adapters.ts';

/** The published rule sets, read (the active one's threshold is what the wallet views flag by). */
export const ruleSetReaderFromEnv = /* @__PURE__ */ storeOnTable(DynamoRuleSetReader);

/** The published rule sets, read and published (`/rules`). */
export const ruleSetsFromEnv = /* @__PURE__ */ storeOnTable(DynamoRuleSetStore);

/** The card decision rules' published versions, read (their own partition of the one table). */
export const decisionRuleSetReaderFromEnv = /* @__PURE__ */ perTable(
  (client, tableName) => new DynamoRuleSetReader(client, tableName, DECISION_RULES_PK),
);

/** The card decision rules, read and published (`/decision-rules`). */
export const decisionRuleSetsFromEnv = /* @__PURE__ */ perTable(
  (client, tableName) => new DynamoRuleSetStore(client, tableName, DECISION_RULES_PK),
);
