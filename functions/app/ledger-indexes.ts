/**
 * The trading-index and payment-listing changes of the ledger's writes (deposits, facts and
 * their points, corrections, rules applied): none, their events touch neither; the read indexes
 * are every write's (write-outcome.ts appendIndexOf). A ledger write names this as its
 * `indexes`, so the functions that only write the ledger (deposit, ingest, corrections) do not
 * bundle the trading index's and payment listing's derivations. Any other event is refused here
 * rather than appended without its index entries.
 */
import { isCardEvent } from '#domain/card/events.ts';
import { isPaymentEvent, isTradingEvent } from '#domain/wallet/event-families.ts';
import type { WalletEvent, WalletState } from '#domain/wallet.ts';
import type { IndexChange } from '#ports/trading-index.ts';

export function ledgerIndexChanges(
  _walletId: string,
  _state: WalletState,
  events: readonly WalletEvent[],
): IndexChange[] {
  const other = events.find((event) => isTradingEvent(event) || isPaymentEvent(event) || isCardEvent(event));
  if (other !== undefined) throw new Error(`ledgerIndexChanges: a ${other.type} event is not the ledger's`);
  return [];
}
