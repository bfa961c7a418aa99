/**
 * The expiry sweep: holds (and so offers) whose time has come are ended without a request. The
 * expiry index (ports/trading-index.ts) says which holds may be due; the decider decides: each is
 * an `ExpireHold` command through the command handler, in lane 0 against the wallet's exact
 * state. So a hold ends exactly once whoever gets there first: a capture decided before expiry and
 * the sweep race for the same lane-0 version, one append wins, and the loser decides again
 * against a state where the hold has ended (`hold_not_active`). The held amount returns once.
 *
 * An entry is dropped once every hold it stands for has ended (by this sweep or by anything else);
 * an entry that lost a race to a busy wallet is kept for the next sweep.
 */
import { type DomainError, isDomainError } from '#domain/errors.ts';
import {
  decideTrading,
  foldWallet,
  type TradingCommand,
  type WalletEvent,
  type WalletState,
} from '#domain/wallet.ts';
import type { Clock, IdGenerator } from '#ports/clock.ts';
import type { EventStore } from '#ports/event-store.ts';
import { type ExpiryEntry, type ExpiryIndex, holdsOfEntry } from '#ports/trading-index.ts';
import { type AccountLog, logAccountEvents } from './account-log.ts';
import { handleCommand, type RetryPolicy } from './command-handler.ts';
import { indexChangesOf } from './trading-index.ts';

export interface SweepDeps {
  store: EventStore;
  expiries: ExpiryIndex;
  clock: Clock;
  ids: IdGenerator;
  retry?: RetryPolicy;
  /** A card approval that expires gets its debug line, as every applied account event does. */
  accountLog?: AccountLog;
}

/** Counted per hold (an entry may stand for several: group-commit-expiry.ts). */
export interface SweepReport {
  /** Holds this sweep ended (HoldReleased, reason expired). */
  expired: number;
  /** Holds that had ended already (captured, released, or lapsed in a spend). */
  ended: number;
  /** Holds whose entry is left for the next sweep: lost races, or not yet due by the decider's reading. */
  left: number;
}

export interface SweepLimits {
  /** Entries read from the index per round. */
  entriesPerRound: number;
  /** Rounds per sweep: the sweep's bound on work (the next one, a minute later, goes on). */
  roundsMax: number;
}

export const DEFAULT_SWEEP_LIMITS: SweepLimits = { entriesPerRound: 25, roundsMax: 20 };

export async function sweepExpiries(
  deps: SweepDeps,
  limits: SweepLimits = DEFAULT_SWEEP_LIMITS,
): Promise<SweepReport> {
  const report: SweepReport = { expired: 0, ended: 0, left: 0 };
  for (let round = 0; round < limits.roundsMax; round++) {
    const nowMs = deps.clock.nowMs();
    const page = await deps.expiries.due(nowMs, limits.entriesPerRound);
    let dropped = 0;
    for (const entry of page.entries) {
      const outcome = await expire(deps, entry, nowMs);
      report.expired += outcome.expired;
      report.ended += outcome.ended;
      report.left += outcome.left;
      // Kept while any hold it stands for may still need ending (the next sweep decides again).
      if (outcome.left > 0) continue;
      await deps.expiries.remove(entry);
      dropped++;
    }
    // Nothing more to read, or nothing this round could settle (the same entries would come back).
    if (!page.more || (page.entries.length > 0 && dropped === 0)) break;
  }
  return report;
}

/** What became of one entry's holds (SweepReport, counted per hold). */
type EntryOutcome = SweepReport;

/**
 * Every hold of the entry (one, or a batch's: group-commit-expiry.ts) ended in ONE lane-0 decision
 * against the wallet's exact state. Each hold is decided on its own (ExpireHold): ending one hold
 * changes nothing another's decision reads (its own status and expiry), so the events decided
 * against one state are the ones a decision after each would give. A hold that ended otherwise is
 * `ended`; one the decider finds not yet due keeps the entry (`left`), as does a lost race.
 */
async function expire(deps: SweepDeps, entry: ExpiryEntry, nowMs: number): Promise<EntryOutcome> {
  const eventId = deps.ids.newId();
  const holdIds = [...new Set(holdsOfEntry(entry))];
  /** Per hold, by the last decision made (the handler may decide again after a lost race). */
  let tally: EntryOutcome = { expired: 0, ended: 0, left: 0 };
  const decideAll = (_command: TradingCommand, state: WalletState): readonly WalletEvent[] | DomainError => {
    tally = { expired: 0, ended: 0, left: 0 };
    const events: WalletEvent[] = [];
    for (const holdId of holdIds) {
      const decision = decideTrading({ type: 'ExpireHold', walletId: entry.walletId, holdId, nowMs }, state);
      if (!isDomainError(decision)) {
        events.push(...decision);
        tally.expired++;
      } else if (decision.code === 'hold_not_active' || decision.code === 'hold_not_found') {
        // Ended already. (Not found cannot happen, since an entry rides in its hold's transaction;
        // it is counted ended all the same rather than read again every minute.)
        tally.ended++;
      } else tally.left++;
    }
    return events;
  };
  const outcome = await handleCommand(deps, {
    walletId: entry.walletId,
    placement: 'lane-0',
    fold: foldWallet,
    decide: decideAll,
    indexes: indexChangesOf,
    // The command names the entry's hold; decideAll ends each hold the entry stands for.
    command: (): TradingCommand => ({
      type: 'ExpireHold',
      walletId: entry.walletId,
      holdId: entry.holdId,
      nowMs,
    }),
    stamp: (events: readonly WalletEvent[]) =>
      events.map((event, index) => ({
        ...event,
        eventId: `${eventId}${index === 0 ? '' : `-${index}`}`,
        recordedAtMs: nowMs,
      })),
  });
  switch (outcome.kind) {
    case 'recorded':
      logAccountEvents(deps.accountLog, outcome.state, outcome.events, {});
      return tally;
    case 'unchanged':
      // Nothing to end now: each hold ended already, or is not yet due (tally says which).
      return { ...tally, expired: 0 };
    case 'rejected':
      // decideAll refuses nothing; a refusal from elsewhere leaves the entry for the next sweep.
      if (!isDomainError(outcome.error)) throw outcome.error;
      return { expired: 0, ended: 0, left: holdIds.length };
    case 'contended':
      return { expired: 0, ended: 0, left: holdIds.length };
    default:
      // replayed / key-reused: no idempotency key, so neither happens.
      return { expired: 0, ended: 0, left: holdIds.length };
  }
}
