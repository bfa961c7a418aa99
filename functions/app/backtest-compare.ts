/**
 * A backtest's comparison: a wallet's facts in range through a candidate rule set, against the
 * points they hold (pure). Shared by the backtest (backtest.ts) and its apply path
 * (backtest-apply.ts, loaded only when a backtest applies).
 */
import { isDomainError } from '#domain/errors.ts';
import {
  type AwardInput,
  covers,
  type EffectiveFact,
  effectiveFacts,
  totalHeld,
  type WalletState,
} from '#domain/wallet.ts';
import type { Clock, IdGenerator } from '#ports/clock.ts';
import type { CompiledRuleSet } from '#rules/types.ts';
import { evaluateFact } from './rule-facts.ts';

/** The rule set a backtest tries: a published version (which can be applied) or text (dry run only). */
export interface Candidate {
  ruleSet: CompiledRuleSet;
  version: number | null;
}

/** Facts by event time, `fromMs <= time < toMs`; either bound may be absent. */
export interface BacktestRange {
  fromMs?: number;
  toMs?: number;
}

export interface WalletBacktest {
  walletId: string;
  /** Facts in range, not voided. */
  facts: number;
  /** Points those facts hold now (awards and adjustments). */
  awardedPoints: bigint;
  /** Points the candidate gives them. */
  candidatePoints: bigint;
  difference: bigint;
  /** PointsAdjusted events appended (apply only). */
  adjustmentsAppended: number;
  /**
   * Apply only: why the wallet's adjustments were refused (e.g. `correction_below_floor: …`, points
   * already spent or held); what was appended before the refusal stays, the rest is not applied.
   */
  applyRefused?: string;
  /** Facts a candidate rule failed on: left out of both sums, never adjusted. */
  ruleErrors: number;
  firstRuleError?: string;
}

export interface BacktestOptions {
  /** Append the differences as PointsAdjusted events (the candidate must be a published version). */
  apply: boolean;
  /** Names the application in every adjustment it appends. */
  causeId: string;
  clock: Clock;
  ids: IdGenerator;
}

const inRange = (fact: EffectiveFact, range: BacktestRange) => covers(range, fact.occurredAtMs);

export interface Comparison {
  report: Omit<WalletBacktest, 'walletId' | 'adjustmentsAppended'>;
  /** What the candidate gives each fact in range it did not fail on, by fact id. */
  awards: Map<string, AwardInput[]>;
}

/** Pure: the facts in range through the candidate, against what they hold. */
export function compare(
  walletId: string,
  state: WalletState,
  candidate: Candidate,
  range: BacktestRange,
): Comparison {
  let facts = 0;
  let awardedPoints = 0n;
  let candidatePoints = 0n;
  let ruleErrors = 0;
  let firstRuleError: string | undefined;
  const awards = new Map<string, AwardInput[]>();
  for (const fact of effectiveFacts(state)) {
    if (!inRange(fact, range)) continue;
    const expected = evaluateFact(candidate.ruleSet, walletId, fact);
    if (isDomainError(expected)) {
      ruleErrors++;
      firstRuleError ??= expected.detail;
      continue;
    }
    facts++;
    awards.set(fact.factId, expected);
    awardedPoints += totalHeld(state.points.get(fact.factId));
    candidatePoints += expected.reduce((sum, award) => sum + award.points, 0n);
  }
  return {
    report: {
      facts,
      awardedPoints,
      candidatePoints,
      difference: candidatePoints - awardedPoints,
      ruleErrors,
      ...(firstRuleError === undefined ? {} : { firstRuleError }),
    },
    awards,
  };
}
