import { RETAINED_DEPOSITS_MAX } from '#app/config.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import type { Clock } from '#ports/clock.ts';
import type { RuleSetReader, StoredRuleSet } from '#ports/rule-sets.ts';
import { formFromJson } from '#rules/stored-form.ts';
import { DEFAULT_THRESHOLD_FLAG, type ThresholdFlagRule } from '#rules/types.ts';
import { DEFAULT_RULES_FORM } from './default-rules-form.ts';

/**
 * How long a function instance trusts the rule set it holds before asking the table again.
 * Publishing therefore takes effect everywhere within this time, with no redeploy or restart.
 */
export const RULES_REFRESH_MS = 2_000;

export const thresholdOf = (ruleSet: { flag: ThresholdFlagRule }): ThresholdConfig => ({
  thresholdMinor: ruleSet.flag.thresholdMinor,
  windowMs: ruleSet.flag.windowMs,
  retainMax: RETAINED_DEPOSITS_MAX,
});

/**
 * The flag of a stored rule set, read from its stored form: no rule is compiled, so no CEL is
 * loaded. A version stored without a form is read with the text reader, imported on demand.
 * Nothing published: the built-in set's form, without its text (active-rules.ts's DEFAULT_STORED),
 * so a function that folds views carries the form alone: the text is read only where rules compile.
 */
async function flagOf(stored: Pick<StoredRuleSet, 'text' | 'form'> | undefined): Promise<ThresholdFlagRule> {
  if (stored === undefined) return formFromJson(DEFAULT_RULES_FORM)?.flag ?? DEFAULT_THRESHOLD_FLAG;
  const form = stored.form === undefined ? undefined : formFromJson(stored.form);
  const read = form ?? (await import('#rules/rule-set.ts')).parseRuleForm(stored.text);
  return read.flag ?? DEFAULT_THRESHOLD_FLAG;
}

/**
 * The windowed flag of the active rule set, for the functions that fold wallet views but never
 * evaluate rules (reads, the projector, replays): the same refresh as ActiveRuleSets
 * (active-rules.ts), without compiling a rule, so their bundles carry no CEL engine.
 */
export class ActiveThresholds {
  private held: { version: number; threshold: ThresholdConfig } | undefined;
  private checkedAtMs = Number.NEGATIVE_INFINITY;
  private pending: Promise<ThresholdConfig> | undefined;

  constructor(
    private readonly store: RuleSetReader,
    private readonly clock: Clock,
    private readonly refreshMs: number = RULES_REFRESH_MS,
  ) {}

  current(): Promise<ThresholdConfig> {
    if (this.held !== undefined && this.clock.nowMs() - this.checkedAtMs < this.refreshMs) {
      return Promise.resolve(this.held.threshold);
    }
    this.pending ??= this.refresh().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async refresh(): Promise<ThresholdConfig> {
    const stored = await this.store.active();
    this.checkedAtMs = this.clock.nowMs();
    const version = stored?.version ?? 0;
    if (this.held?.version === version) return this.held.threshold;
    const threshold = thresholdOf({ flag: await flagOf(stored) });
    this.held = { version, threshold };
    return threshold;
  }
}
