/**
 * A backtest applied (`apply`): the candidate's differences appended as PointsAdjusted events
 * through the command handler, in a module of its own that backtest.ts imports only when a backtest
 * applies. A replay page or a dry run never appends, so it never loads the write path.
 */
import { decideLedger, foldWallet } from '#domain/wallet.ts';
import type { EventStore } from '#ports/event-store.ts';
import { type BacktestOptions, type BacktestRange, type Candidate, compare } from './backtest-compare.ts';
import { handleCommand } from './command-handler.ts';
import { ledgerIndexChanges } from './ledger-indexes.ts';
import { LANE0_EVENTS_PER_APPEND } from './rule-facts.ts';

/**
 * Appends what the candidate gives the facts in range beyond what they hold (lane 0, in
 * transactions of at most LANE0_EVENTS_PER_APPEND), re-deciding after each, so applying twice
 * changes nothing. `applyRefused`: why the wallet's adjustments were refused.
 */
export async function applyCandidate(
  store: EventStore,
  walletId: string,
  candidate: Candidate,
  range: BacktestRange,
  options: BacktestOptions,
): Promise<{ adjustmentsAppended: number; applyRefused: string | undefined }> {
  if (candidate.version === null) throw new Error('backtestWallet: only a published rule set can be applied');
  const ruleSetVersion = candidate.version;
  let adjustmentsAppended = 0;
  // Decided again after every append (an ApplyRules decides at most LANE0_EVENTS_PER_APPEND
  // adjustments, then the RulesApplied marker) until it decides nothing: applying twice
  // appends nothing.
  for (;;) {
    const outcome = await handleCommand(
      { store },
      {
        walletId,
        placement: 'lane-0',
        fold: foldWallet,
        decide: decideLedger,
        indexes: ledgerIndexChanges,
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
    if (outcome.kind === 'rejected') return { adjustmentsAppended, applyRefused: outcome.error.message };
    if (outcome.kind !== 'recorded') return { adjustmentsAppended, applyRefused: undefined };
    adjustmentsAppended += outcome.events.filter((event) => event.type === 'PointsAdjusted').length;
  }
}
