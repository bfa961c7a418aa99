import { isDomainError } from '#domain/errors.ts';
import {
  type AwardInput,
  covers,
  decideLedger,
  type EffectiveFact,
  effectiveFacts,
  foldWallet,
  initialWalletState,
  totalHeld,
  type WalletState,
} from '#domain/wallet.ts';
import type { Clock, IdGenerator } from '#ports/clock.ts';
import type { EventStore } from '#ports/event-store.ts';
import type { CompiledRuleSet } from '#rules/types.ts';
import { handleCommand } from './command-handler.ts';
import { evaluateFact, LANE0_EVENTS_PER_APPEND } from './corrections.ts';
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

interface Comparison {
  report: Omit<WalletBacktest, 'walletId' | 'adjustmentsAppended'>;
  /** What the candidate gives each fact in range it did not fail on, by fact id. */
  awards: Map<string, AwardInput[]>;
}

/** Pure: the facts in range through the candidate, against what they hold. */
function compare(
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
  const { report } = compare(walletId, foldWallet(events, initialWalletState()), candidate, range);
  let adjustmentsAppended = 0;
  let applyRefused: string | undefined;
  if (options.apply) {
    if (candidate.version === null)
      throw new Error('backtestWallet: only a published rule set can be applied');
    const ruleSetVersion = candidate.version;
    // Decided again after every append (an ApplyRules decides at most LANE0_EVENTS_PER_APPEND
    // adjustments, then the RulesApplied marker) until it decides nothing: applying twice
    // appends nothing.
    for (;;) {
      const outcome = await handleCommand(
        { store },
        {
          walletId,
          placement: 'lane-0',
          decide: decideLedger,
          command: (state) => ({
            type: 'ApplyRules',
            walletId,
            ruleSetVersion,
            range,
            causeId: options.causeId,
            awards: compare(walletId, state, candidate, range).awards,
            eventsMax: LANE0_EVENTS_PER_APPEND,
          }),
          stamp: (decided) => {
            const nowMs = options.clock.nowMs();
            return decided.map((event) => ({ ...event, eventId: options.ids.newId(), recordedAtMs: nowMs }));
          },
        },
      );
      if (outcome.kind === 'contended') throw outcome.lastConflict;
      if (outcome.kind === 'rejected') {
        applyRefused = outcome.error.message;
        break;
      }
      if (outcome.kind !== 'recorded') break;
      adjustmentsAppended += outcome.events.filter((event) => event.type === 'PointsAdjusted').length;
    }
  }
  return {
    walletId,
    ...report,
    adjustmentsAppended,
    ...(applyRefused === undefined ? {} : { applyRefused }),
  };
}
