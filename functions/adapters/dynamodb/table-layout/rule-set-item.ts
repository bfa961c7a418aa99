import * as z from 'zod/mini';
import type { StoredRuleSet } from '#ports/rule-sets.ts';
import { numberAttr } from './attributes.ts';
import { RULESET_ACTIVE_SK, RULESET_PK, ruleSetVersionSk } from './keys.ts';
import { onFirstUse } from './on-first-use.ts';

/**
 * A rule set item: each version under its own sort key, and the active one copied (with its
 * version) under ACTIVE, so reading the active rule set is one Get.
 */
export function toRuleSetItem(
  ruleSet: StoredRuleSet,
  as: 'version' | 'active',
  pk: string = RULESET_PK,
): Record<string, unknown> {
  return {
    pk,
    sk: as === 'active' ? RULESET_ACTIVE_SK : ruleSetVersionSk(ruleSet.version),
    kind: 'ruleset',
    ...ruleSet,
  };
}

// Built on first use: most functions bundle the reader for the views' threshold, and a cold start
// on the built-in rules (no rule set published) reads no item.
const ruleSetItemSchema = /* @__PURE__ */ onFirstUse(() =>
  z.object({
    version: numberAttr,
    text: z.string(),
    textHash: z.string(),
    publishedAtMs: numberAttr,
    source: z.optional(z.string()),
    // Absent on versions published before the publisher was kept.
    publishedBy: z.optional(z.string()),
    // Absent on versions published before the stored form was kept.
    form: z.optional(z.string()),
  }),
);

export function fromRuleSetItem(item: unknown): StoredRuleSet {
  const parsed = ruleSetItemSchema().parse(item);
  return {
    version: parsed.version,
    text: parsed.text,
    textHash: parsed.textHash,
    publishedAtMs: parsed.publishedAtMs,
    ...(parsed.source === undefined ? {} : { source: parsed.source }),
    ...(parsed.publishedBy === undefined ? {} : { publishedBy: parsed.publishedBy }),
    ...(parsed.form === undefined ? {} : { form: parsed.form }),
  };
}
