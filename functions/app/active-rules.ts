import type { ThresholdConfig } from '#domain/threshold.ts';
import type { Clock } from '#ports/clock.ts';
import type { RuleSetStore, StoredRuleSet } from '#ports/rule-sets.ts';
import { compileForm } from '#rules/compile-form.ts';
import { formFromJson } from '#rules/stored-form.ts';
import type { CompiledRuleSet, CompileResult } from '#rules/types.ts';
import { RULES_REFRESH_MS, thresholdOf } from './active-threshold.ts';
import { DEFAULT_RULES_FORM, DEFAULT_RULES_SOURCE, DEFAULT_RULES_TEXT } from './default-rules.ts';

/**
 * The built-in rule set as if stored: its text and form. Here, not in active-threshold.ts, which
 * every view-folding function loads: its text (0.9 KB) is read only where rules are compiled.
 */
export const DEFAULT_STORED: Pick<StoredRuleSet, 'text' | 'form'> = {
  text: DEFAULT_RULES_TEXT,
  form: DEFAULT_RULES_FORM,
};

/** The rule set in force, compiled. Version 0 is the built-in default (nothing published yet). */
export interface ActiveRules {
  version: number;
  ruleSet: CompiledRuleSet;
  /** The windowed flag as the wallet view folds it. */
  threshold: ThresholdConfig;
}

export { RULES_REFRESH_MS, thresholdOf } from './active-threshold.ts';

/**
 * Compiles a stored rule set from its stored form (no YAML parser loaded). A version published
 * before the form was kept has only its text: the full reader (rule-set.ts, with the YAML parser)
 * is then imported on demand — a chunk of its own in the bundle, never read on the common path.
 */
export async function compileOrThrow(
  stored: Pick<StoredRuleSet, 'text' | 'form'>,
  hash: (text: string) => string,
  source?: string,
): Promise<CompiledRuleSet> {
  const options = { hash, ...(source === undefined ? {} : { source }) };
  const form = stored.form === undefined ? undefined : formFromJson(stored.form);
  const compiled: CompileResult =
    form === undefined
      ? (await import('#rules/rule-set.ts')).compileRuleSet(stored.text, options)
      : compileForm(form, stored.text, options);
  if (!compiled.ok) {
    // A stored rule set was validated before it was stored, so this is a programmer error.
    throw new Error(`rule set ${source ?? ''} does not compile: ${compiled.errors[0]?.message ?? 'unknown'}`);
  }
  return compiled.ruleSet;
}

/**
 * The active rule set of this function instance: read from the table at most every
 * RULES_REFRESH_MS, compiled once per version.
 */
export class ActiveRuleSets {
  private held: ActiveRules | undefined;
  private checkedAtMs = Number.NEGATIVE_INFINITY;
  private pending: Promise<ActiveRules> | undefined;

  constructor(
    private readonly store: RuleSetStore,
    private readonly clock: Clock,
    private readonly hash: (text: string) => string,
    private readonly refreshMs: number = RULES_REFRESH_MS,
  ) {}

  current(): Promise<ActiveRules> {
    if (this.held !== undefined && this.clock.nowMs() - this.checkedAtMs < this.refreshMs) {
      return Promise.resolve(this.held);
    }
    this.pending ??= this.refresh().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async refresh(): Promise<ActiveRules> {
    const stored = await this.store.active();
    this.checkedAtMs = this.clock.nowMs();
    const version = stored?.version ?? 0;
    if (this.held?.version === version) return this.held;
    const ruleSet = stored
      ? await compileOrThrow(stored, this.hash, stored.source ?? `version ${stored.version}`)
      : await compileOrThrow(DEFAULT_STORED, this.hash, DEFAULT_RULES_SOURCE);
    this.held = { version, ruleSet, threshold: thresholdOf(ruleSet) };
    return this.held;
  }
}

/**
 * Any rule set version, compiled once per instance (versions never change): what corrections and
 * backtests evaluate stored facts with. Version 0 is the built-in default.
 */
export class RuleSetVersions {
  private readonly compiled = new Map<number, Promise<CompiledRuleSet | undefined>>();

  constructor(
    private readonly store: RuleSetStore,
    private readonly hash: (text: string) => string,
  ) {}

  get(version: number): Promise<CompiledRuleSet | undefined> {
    let held = this.compiled.get(version);
    if (held === undefined) {
      held = this.load(version);
      held.catch(() => this.compiled.delete(version));
      this.compiled.set(version, held);
    }
    return held;
  }

  private async load(version: number): Promise<CompiledRuleSet | undefined> {
    if (version === 0) return compileOrThrow(DEFAULT_STORED, this.hash, DEFAULT_RULES_SOURCE);
    const stored = await this.store.version(version);
    return stored === undefined
      ? undefined
      : compileOrThrow(stored, this.hash, stored.source ?? `version ${stored.version}`);
  }
}
