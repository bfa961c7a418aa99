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
 * What a function instance holds of the active rule set, read from the table at most every
 * `refreshMs` and made (`make`) once per version: ActiveThresholds here, ActiveRuleSets
 * (active-rules.ts) compiled. Publishing therefore takes effect everywhere within that time.
 * A read is as fresh as the moment it was SENT: one left in flight when Lambda froze the process
 * answers at the next thaw, maybe minutes later, and must not count as just checked (stop 23,
 * review7). For the same reason a read in flight is shared only while it is younger than the
 * refresh time; and the value and its stamp change together, never over a read sent later.
 */
export class ActiveVersion<T> {
  private held: { version: number; value: T } | undefined;
  private checkedAtMs = Number.NEGATIVE_INFINITY;
  private pending: { sentAtMs: number; value: Promise<T> } | undefined;

  constructor(
    private readonly store: RuleSetReader,
    private readonly clock: Clock,
    private readonly make: (stored: StoredRuleSet | undefined, version: number) => Promise<T>,
    private readonly refreshMs: number = RULES_REFRESH_MS,
  ) {}

  current(): Promise<T> {
    const now = this.clock.nowMs();
    if (this.held !== undefined && now - this.checkedAtMs < this.refreshMs) {
      return Promise.resolve(this.held.value);
    }
    if (this.pending === undefined || now - this.pending.sentAtMs >= this.refreshMs) {
      const pending = { sentAtMs: now, value: this.refresh(now) };
      this.pending = pending;
      pending.value
        .finally(() => {
          if (this.pending === pending) this.pending = undefined;
        })
        .catch(() => undefined);
    }
    return this.pending.value;
  }

  private async refresh(sentAtMs: number): Promise<T> {
    const stored = await this.store.active();
    const version = stored?.version ?? 0;
    const value = this.held?.version === version ? this.held.value : await this.make(stored, version);
    if (sentAtMs >= this.checkedAtMs) {
      this.held = { version, value };
      this.checkedAtMs = sentAtMs;
    }
    return value;
  }
}

/**
 * The windowed flag of the active rule set, for the functions that fold wallet views but never
 * evaluate rules (reads, the projector, replays): the same refresh as ActiveRuleSets
 * (active-rules.ts), without compiling a rule, so their bundles carry no CEL engine.
 */
export class ActiveThresholds extends ActiveVersion<ThresholdConfig> {
  constructor(store: RuleSetReader, clock: Clock, refreshMs: number = RULES_REFRESH_MS) {
    super(store, clock, async (stored) => thresholdOf({ flag: await flagOf(stored) }), refreshMs);
  }
}
