import {
  type AccountBalance,
  accountBalance,
  type StatementLine,
  statementOf,
} from '#domain/card/statement.ts';
import { foldWallet, initialWalletState } from '#domain/wallet.ts';
import type { CardDeps } from '../cards.ts';
import { readWallet } from '../read-events.ts';

/**
 * A card account as its log stands now: its balance, and (asked for) its statement; undefined
 * when no account was opened under the id. Reads and folds the account's whole log: accounts are
 * all lane 0 and short-lived in tests, but a long-lived one needs a projection (see the README).
 */
export async function accountNow(
  deps: Pick<CardDeps, 'store' | 'clock'>,
  accountId: string,
): Promise<{ balance: AccountBalance; statement: () => StatementLine[] } | undefined> {
  const log = await readWallet(deps.store, accountId);
  const nowMs = deps.clock.nowMs();
  const balance = accountBalance(foldWallet(log, initialWalletState()), nowMs);
  return balance === undefined ? undefined : { balance, statement: () => statementOf(log, nowMs) };
}
