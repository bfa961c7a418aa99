import { DEFAULT_RULES_SOURCE, DEFAULT_RULES_TEXT } from '#app/default-rules.ts';
import type { StoredRuleSet } from '#ports/rule-sets.ts';

/** A rule set as `GET /rules` and `PUT /rules` show it; none published yet is the built-in one. */
export const ruleSetJson = (ruleSet: StoredRuleSet | undefined, hash: (text: string) => string) =>
  ruleSet === undefined
    ? {
        version: 0,
        builtIn: true,
        source: DEFAULT_RULES_SOURCE,
        textHash: hash(DEFAULT_RULES_TEXT),
        publishedAt: null,
        publishedBy: null,
        text: DEFAULT_RULES_TEXT,
      }
    : {
        version: ruleSet.version,
        builtIn: false,
        source: ruleSet.source ?? null,
        textHash: ruleSet.textHash,
        publishedAt: new Date(ruleSet.publishedAtMs).toISOString(),
        publishedBy: ruleSet.publishedBy ?? null,
        text: ruleSet.text,
      };

/** One line of `GET /rules/versions`: everything but the text, and how many rules it has. */
export const ruleSetVersionJson = (ruleSet: StoredRuleSet, ruleCount: number | null) => ({
  version: ruleSet.version,
  source: ruleSet.source ?? null,
  textHash: ruleSet.textHash,
  publishedAt: new Date(ruleSet.publishedAtMs).toISOString(),
  publishedBy: ruleSet.publishedBy ?? null,
  rules: ruleCount,
});
