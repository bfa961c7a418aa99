import type { EventStore } from '#ports/event-store.ts';
import {
  type BacktestOptions,
  type BacktestRange,
  backtestWallet,
  type Candidate,
  type WalletBacktest,
} from './backtest.ts';
import { forEachLimited, WALLETS_IN_FLIGHT } from './jobs.ts';

export interface NamedWalletsBacktest {
  /** Wallet by wallet, in wallet id order. */
  results: WalletBacktest[];
  /** Named wallets with no events. */
  unknownWallets: string[];
  totals: {
    wallets: number;
    facts: number;
    walletsWithDifference: number;
    awardedPoints: number;
    candidatePoints: number;
    difference: number;
    adjustmentsAppended: number;
  };
}

/**
 * A backtest of named wallets (at most a request's worth), answered at once: each wallet compared
 * (and with `apply`, adjusted) under one cause id, a few at a time, with the totals over them.
 */
export async function backtestNamedWallets(
  store: EventStore,
  walletIds: readonly string[],
  candidate: Candidate,
  range: BacktestRange,
  options: BacktestOptions,
): Promise<NamedWalletsBacktest> {
  const results: WalletBacktest[] = [];
  const unknownWallets: string[] = [];
  await forEachLimited([...new Set(walletIds)], WALLETS_IN_FLIGHT, async (walletId) => {
    const result = await backtestWallet(store, walletId, candidate, range, options);
    if (result === undefined) unknownWallets.push(walletId);
    else results.push(result);
  });
  results.sort((a, b) => (a.walletId < b.walletId ? -1 : a.walletId > b.walletId ? 1 : 0));
  const sum = (pick: (result: WalletBacktest) => bigint | number) =>
    results.reduce((total, result) => total + Number(pick(result)), 0);
  return {
    results,
    unknownWallets: unknownWallets.sort(),
    totals: {
      wallets: results.length,
      facts: sum((result) => result.facts),
      walletsWithDifference: results.filter((result) => result.difference !== 0n).length,
      awardedPoints: sum((result) => result.awardedPoints),
      candidatePoints: sum((result) => result.candidatePoints),
      difference: sum((result) => result.difference),
      adjustmentsAppended: sum((result) => result.adjustmentsAppended),
    },
  };
}
