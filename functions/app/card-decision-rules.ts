/**
 * The card decision rules in force, versioned as the points rules are (active-rules.ts): a
 * published text becomes version N + 1 in its own partition of the table (who published it, when,
 * and its hash are kept with it), and every `AuthorizationDecided` names the version that decided
 * it. Version 0 is the built-in text (default-decision-rules.ts), in force until a first publish.
 */
import type { Clock } from '#ports/clock.ts';
import type { RuleSetReader } from '#ports/rule-sets.ts';
import { type CompiledDecisionRules, compileDecisionRules } from '#rules/decision-rules.ts';
import { RULES_REFRESH_MS } from './active-threshold.ts';
import type { DecisionRuleSource } from './cards.ts';
import { builtInDecisionRules } from './default-decision-rules.ts';

/** A stored text that does not compile was stored unchecked: a programmer error, not a decline. */
function compileOrThrow(text: string, version: number): CompiledDecisionRules {
  const compiled = compileDecisionRules(text);
  if (!compiled.ok) {
    throw new Error(`decision rules version ${version} do not compile: ${compiled.errors[0]?.message}`);
  }
  return compiled.ruleSet;
}

/**
 * The active decision rules of this function instance: the table is asked at most every
 * RULES_REFRESH_MS, and each version is compiled once. So a publish takes effect everywhere within
 * that time, without a deploy.
 */
export class ActiveDecisionRules implements DecisionRuleSource {
  private held: { version: number; ruleSet: CompiledDecisionRules } | undefined;
  private checkedAtMs = Number.NEGATIVE_INFINITY;
  private pending: Promise<{ version: number; ruleSet: CompiledDecisionRules }> | undefined;

  constructor(
    private readonly store: RuleSetReader,
    private readonly clock: Clock,
    private readonly refreshMs: number = RULES_REFRESH_MS,
  ) {}

  current(): Promise<{ version: number; ruleSet: CompiledDecisionRules }> {
    if (this.held !== undefined && this.clock.nowMs() - this.checkedAtMs < this.refreshMs) {
      return Promise.resolve(this.held);
    }
    this.pending ??= this.refresh().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async refresh(): Promise<{ version: number; ruleSet: CompiledDecisionRules }> {
    const stored = await this.store.active();
    this.checkedAtMs = this.clock.nowMs();
    const version = stored?.version ?? 0;
    if (this.held?.version === version) return this.held;
    this.held =
      stored === undefined
        ? await builtInDecisionRules.current()
        : { version, ruleSet: compileOrThrow(stored.text, version) };
    return this.held;
  }
}
