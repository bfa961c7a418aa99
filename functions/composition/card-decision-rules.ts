/**
 * The card decision rules in force, with the store they are read from, in a module reached only by
 * composition/cards.ts' `import()`: an authorization alone reads them, so the rule-set reader
 * (adapters/dynamodb/rule-set-reader.ts) loads with the first authorization's chunk, beside the rules
 * compiler, not at a cold start whose call opens an account, reads a balance or captures.
 */
import { ActiveDecisionRules } from '#app/card-decision-rules.ts';
import type { DecisionRuleSource } from '#app/cards.ts';
import type { Clock } from '#ports/clock.ts';
import { decisionRuleSetReaderFromEnv } from './rule-set-stores.ts';

/** The active decision rules over the table of now, read at most every RULES_REFRESH_MS. */
export const activeDecisionRules = (clock: Clock): DecisionRuleSource =>
  new ActiveDecisionRules(decisionRuleSetReaderFromEnv(), clock);
