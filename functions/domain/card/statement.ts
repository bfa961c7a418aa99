/**
 * A card account's balance as its owner reads it: what is owed, pending, available (its statement
 * is statement-lines.ts). Pure: a function of the state and of the time of reading, passed in.
 */
import type { WalletState } from '../wallet.ts';
import { type AccountPosition, positionOf } from './state.ts';

export interface AccountBalance extends AccountPosition {
  currency: string;
  /** Events folded: changes whenever the account does. */
  version: number;
}

/**
 * The account's balance at `nowMs`. An approval past its expiry is no longer pending, whether or
 * not its HoldReleased was recorded yet (the expiry sweep records it within a minute, or the next
 * authorization does): expiry is on time.
 */
export function accountBalance(state: WalletState, nowMs: number): AccountBalance | undefined {
  const account = state.account;
  if (account === undefined) return undefined;
  let lapsed = 0n;
  for (const hold of state.holds.values()) {
    if (hold.status !== 'active' || hold.asset !== 'money' || nowMs < hold.expiresAtMs) continue;
    if (account.authorizations.has(hold.holdId)) lapsed += hold.amount;
  }
  const money = state.balances.money;
  return {
    ...positionOf(account, { balance: money.balance, held: money.held - lapsed }),
    currency: account.currency,
    version: state.version,
  };
}
