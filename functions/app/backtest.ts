import { foldWallet, initialWalletState } from '#domain/wallet.ts';
import type { EventStore } from '#ports/event-store.ts';
import {
  type BacktestOptions,
  type BacktestRange,
  type Candidate,
  compare,
  type WalletBacktest,
} from './backtest-compare.ts';
import { readWallet } from './read-events.ts';

export type { BacktestOptions, BacktestRange, Candidate, WalletBacktest } from './backtest-compare.ts';

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
    // A rarely taken branch: replay jobs and dry-run backtests (the default) never append. The
    // write path (the command handler, group commit, the ledger's decider) loads with the first
    // wallet a backtest applies to, not at every cold start of the functions that run backtests.
    const { applyCandidate } = await import('./backtest-apply.ts');
    ({ adjustmentsAppended, applyRefused } = await applyCandidate(
      store,
      walletId,
      candidate,
      range,
      options,
    ));
  }
  return {
    walletId,
    ...report,
    adjustmentsAppended,
    ...(applyRefused === undefined ? {} : { applyRefused }),
  };
}
