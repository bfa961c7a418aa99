import type { Clock } from '#ports/clock.ts';
import type { RuleSetStore, StoredRuleSet } from '#ports/rule-sets.ts';

/** Publishes race for the next version; a lost race is tried again this many times in all. */
const PUBLISH_ATTEMPTS_MAX = 3;

export interface PublishDeps {
  ruleSets: RuleSetStore;
  clock: Clock;
  hash: (text: string) => string;
}

export type PublishResult =
  | { kind: 'published' | 'unchanged'; ruleSet: StoredRuleSet }
  /** Other publishes kept winning the race for the next version. */
  | { kind: 'conflict' };

/**
 * Publishes a rule set text (already compiled, so known to be valid) as the next version, with its
 * stored form when the family has one (the points rules: rules/stored-form.ts), so the functions
 * that read it compile without the YAML parser.
 */
export async function publishRuleSet(
  deps: PublishDeps,
  text: string,
  source: string,
  publishedBy?: string,
  form?: string,
): Promise<PublishResult> {
  for (let attempt = 0; attempt < PUBLISH_ATTEMPTS_MAX; attempt++) {
    const outcome = await deps.ruleSets.publish({
      text,
      textHash: deps.hash(text),
      ...(form === undefined ? {} : { form }),
      publishedAtMs: deps.clock.nowMs(),
      source,
      ...(publishedBy === undefined ? {} : { publishedBy }),
    });
    if (outcome.kind === 'published' || outcome.kind === 'unchanged') return outcome;
  }
  return { kind: 'conflict' };
}
