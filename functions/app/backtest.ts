import {
  type AdjustmentData,
  adjustmentsFor,
  applicationInForce,
  covers,
  type EffectiveFact,
  type ExpectedAward,
  effectiveFacts,
  heldPoints,
  totalHeld,
} from '#domain/corrections.ts';
import type { RecordedEvent, WalletEvent } from '#domain/wallet.ts';
import type { Clock, IdGenerator } from '#ports/clock.ts';
import type { EventStore } from '#ports/event-store.ts';
import type { CompiledRuleSet } from '#rules/types.ts';
import { appendToLane0, CorrectionRejected, evaluateFact, LANE0_EVENTS_PER_APPEND } from './corrections.ts';
import { readWallet } from './read-events.ts';

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

interface Comparison {
  report: Omit<WalletBacktest, 'walletId' | 'adjustmentsAppended'>;
  adjustments: AdjustmentData[];
}

/** Pure: the stored facts in range through the candidate, against what they hold. */
function compare(
  walletId: string,
  events: readonly RecordedEvent[],
  candidate: Candidate,
  range: BacktestRange,
  causeId: string,
): Comparison {
  const held = heldPoints(events);
  let facts = 0;
  let awardedPoints = 0n;
  let candidatePoints = 0n;
  let ruleErrors = 0;
  let firstRuleError: string | undefined;
  const adjustments: AdjustmentData[] = [];
  for (const fact of effectiveFacts(events)) {
    if (!inRange(fact, range)) continue;
    let expected: ExpectedAward[];
    try {
      expected = evaluateFact(candidate.ruleSet, walletId, fact);
    } catch (error) {
      if (!(error instanceof CorrectionRejected)) throw error;
      ruleErrors++;
      firstRuleError ??= error.detail;
      continue;
    }
    facts++;
    const holds = held.get(fact.factId);
    awardedPoints += totalHeld(holds);
    candidatePoints += expected.reduce((sum, award) => sum + award.points, 0n);
    if (candidate.version !== null) {
      adjustments.push(
        ...adjustmentsFor(fact.factId, holds, expected, candidate.version, 'backtest', causeId),
      );
    }
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
    adjustments,
  };
}

/**
 * Replays one wallet's stored facts through a candidate rule set and says how its points would
 * differ. With `apply`, appends the differences as PointsAdjusted events (lane 0, in transactions
 * of at most LANE0_EVENTS_PER_APPEND), re-deciding after each, so applying twice changes nothing.
 * Undefined for a wallet with no events.
 */
export async function backtestWallet(
  store: EventStore,
  walletId: string,
  candidate: Candidate,
  range: BacktestRange,
  options: BacktestOptions,
): Promise<WalletBacktest | undefined> {
  const events = await readWallet(store, walletId);
  if (events.length === 0) return undefined;
  const { report } = compare(walletId, events, candidate, range, options.causeId);
  let adjustmentsAppended = 0;
  if (options.apply) {
    if (candidate.version === null)
      throw new Error('backtestWallet: only a published rule set can be applied');
    const version = candidate.version;
    const application = { ruleSetVersion: version, ...range };
    for (;;) {
      const { appended } = await appendToLane0(store, walletId, async (current) => {
        const { adjustments, report: now } = compare(walletId, current, candidate, range, options.causeId);
        const nowMs = options.clock.nowMs();
        const newEvent = (event: WalletEvent) => ({
          ...event,
          eventId: options.ids.newId(),
          recordedAtMs: nowMs,
        });
        if (adjustments.length > 0) {
          return {
            result: undefined,
            events: adjustments
              .slice(0, LANE0_EVENTS_PER_APPEND)
              .map((data) => newEvent({ type: 'PointsAdjusted', data })),
          };
        }
        // Points are where the rule set puts them; last, mark the facts in range as governed by
        // it (so a later correction of one is decided under it) unless there are none or that is
        // the latest application already: applying twice appends nothing.
        if (now.facts + now.ruleErrors === 0 || applicationInForce(current, application)) {
          return { result: undefined };
        }
        return {
          result: undefined,
          events: [newEvent({ type: 'RulesApplied', data: { ...application, causeId: options.causeId } })],
        };
      });
      if (appended.length === 0) break;
      adjustmentsAppended += appended.filter((event) => event.type === 'PointsAdjusted').length;
    }
  }
  return { walletId, ...report, adjustmentsAppended };
}
