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
  private pending: { sentAtMs: number; threshold: Promise<ThresholdConfig> } | undefined;

  constructor(
    private readonly store: RuleSetReader,
    private readonly clock: Clock,
    private readonly refreshMs: number = RULES_REFRESH_MS,
  ) {}

  /**
   * A read is as fresh as the moment it was SENT: one left in flight when Lambda froze the
   * process answers at the next thaw, maybe minutes later, and must not count as just checked
   * (stop 23, review7). For the same reason a read in flight is shared only while it is younger
   * than the refresh time.
   */
  current(): Promise<ThresholdConfig> {
    const now = this.clock.nowMs();
    if (this.held !== undefined && now - this.checkedAtMs < this.refreshMs) {
      return Promise.resolve(this.held.threshold);
    }
    if (this.pending === undefined || now - this.pending.sentAtMs >= this.refreshMs) {
      const pending = { sentAtMs: now, threshold: this.refresh(now) };
      this.pending = pending;
      pending.threshold
        .finally(() => {
          if (this.pending === pending) this.pending = undefined;
        })
        .catch(() => undefined);
    }
    return this.pending.threshold;
  }

  private async refresh(sentAtMs: number): Promise<ThresholdConfig> {
    const stored = await this.store.active();
    const version = stored?.version ?? 0;
    const threshold =
      this.held?.version === version ? this.held.threshold : thresholdOf({ flag: await flagOf(stored) });
    // Held and stamped together (a concurrent current() never sees the stamp with the old value),
    // and never over a read sent later that answered first.
    if (sentAtMs >= this.checkedAtMs) {
      this.held = { version, threshold };
      this.checkedAtMs = sentAtMs;
    }
    return threshold;
  }
}
