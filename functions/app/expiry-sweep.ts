/**
 * The expiry sweep: holds (and so offers) whose time has come are ended without a request. The
 * expiry index (ports/trading-index.ts) says which holds may be due; the decider decides: each is
 * an `ExpireHold` command through the command handler, in lane 0 against the wallet's exact
 * state. So a hold ends exactly once whoever gets there first: a capture decided before expiry and
 * the sweep race for the same lane-0 version, one append wins, and the loser decides again
 * against a state where the hold has ended (`hold_not_active`). The held amount returns once.
 *
 * An entry is dropped once its hold has ended (by this sweep or by anything else); a hold that
 * lost a race to a busy wallet keeps its entry for the next sweep.
 */
import { isDomainError } from '#domain/errors.ts';
import { decideTrading, type TradingCommand, type WalletEvent } from '#domain/wallet.ts';
import type { Clock, IdGenerator } from '#ports/clock.ts';
import type { EventStore } from '#ports/event-store.ts';
import type { ExpiryEntry, ExpiryIndex } from '#ports/trading-index.ts';
import { type AccountLog, logAccountEvents } from './account-log.ts';
import { handleCommand, type RetryPolicy } from './command-handler.ts';

export interface SweepDeps {
  store: EventStore;
  expiries: ExpiryIndex;
  clock: Clock;
  ids: IdGenerator;
  retry?: RetryPolicy;
  /** A card approval that expires gets its debug line, as every applied account event does. */
  accountLog?: AccountLog;
}

export interface SweepReport {
  /** Holds this sweep ended (HoldReleased, reason expired). */
  expired: number;
  /** Entries whose hold had ended already (captured, released, or lapsed in a spend). */
  ended: number;
  /** Entries left for the next sweep: lost races, or not yet due by the decider's reading. */
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
      if (outcome === 'left') {
        report.left++;
        continue;
      }
      report[outcome]++;
      await deps.expiries.remove(entry);
      dropped++;
    }
    // Nothing more to read, or nothing this round could settle (the same entries would come back).
    if (!page.more || (page.entries.length > 0 && dropped === 0)) break;
  }
  return report;
}

async function expire(deps: SweepDeps, entry: ExpiryEntry, nowMs: number): Promise<keyof SweepReport> {
  const eventId = deps.ids.newId();
  const outcome = await handleCommand(deps, {
    walletId: entry.walletId,
    placement: 'lane-0',
    decide: decideTrading,
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
      return 'expired';
    case 'rejected':
      if (!isDomainError(outcome.error)) throw outcome.error;
      // Ended already. (Not found cannot happen, since an entry rides in its hold's transaction;
      // it is dropped all the same rather than read again every minute.)
      if (outcome.error.code === 'hold_not_active' || outcome.error.code === 'hold_not_found') return 'ended';
      return 'left';
    case 'contended':
      return 'left';
    default:
      // unchanged / replayed / key-reused: no idempotency key and ExpireHold always decides.
      return 'ended';
  }
}
