/**
 * A stored fact through a rule set: what corrections (amending a fact) and backtests ask of the
 * rules engine, apart from either use case so that a backtest's comparison does not bundle the
 * corrections' write path (app/corrections.ts) with it.
 */
import { DomainError } from '#domain/errors.ts';
import type { EffectiveFact, ExpectedAward } from '#domain/wallet.ts';
import { type CompiledRuleSet, isRuleEvaluationError } from '#rules/types.ts';

/** Corrections and retroactive adjustments append at most this many events at once (one transaction). */
export const LANE0_EVENTS_PER_APPEND = 50;

/** A stored fact as the rules engine sees a CloudEvent. */
export const ruleFactOf = (walletId: string, fact: EffectiveFact) => ({
  id: fact.factId,
  source: fact.source,
  type: fact.factType,
  subject: walletId,
  time: new Date(fact.occurredAtMs).toISOString(),
  data: JSON.parse(fact.dataJson) as unknown,
});

/** What a rule set gives a fact, or a DomainError('rule_failed'). */
export function evaluateFact(
  ruleSet: CompiledRuleSet,
  walletId: string,
  fact: EffectiveFact,
): ExpectedAward[] | DomainError {
  try {
    return ruleSet
      .evaluate(ruleFactOf(walletId, fact))
      .map((award) => ({ ruleId: award.ruleId, ruleTextHash: award.ruleTextHash, points: award.points }));
  } catch (error) {
    if (!isRuleEvaluationError(error)) throw error;
    return new DomainError('rule_failed', `${error.message}`);
  }
}
