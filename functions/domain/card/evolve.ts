/**
 * Folds a card event into the account and the wallet's money position. Called by the wallet's
 * fold (wallet/evolve.ts) with the draft's own copies, so maps here are mutated in place only
 * where the draft owns them (`holds`) and copied on write otherwise.
 */
import type { AssetBalance, Hold } from '../wallet/state.ts';
import { type CardEvent, cardMoves } from './events.ts';
import { APPROVALS_KEPT, type CardAccount } from './state.ts';

export interface CardDraft {
  money: AssetBalance;
  holds: Map<string, Hold>;
  account: CardAccount | undefined;
}

export function applyCard(draft: CardDraft, event: CardEvent & { eventId: string }): void {
  const { balance, held } = cardMoves(event);
  const account = draft.account;
  switch (event.type) {
    case 'AccountOpened': {
      // The decider opens an account once; a log that says otherwise keeps the first opening.
      if (account !== undefined) return;
      draft.account = {
        creditLimit: event.data.creditLimit,
        currency: event.data.currency,
        openedAtMs: event.data.occurredAtMs,
        authorizations: new Map(),
        payments: new Map(),
        approvals: [],
      };
      draft.money = { ...draft.money, floor: -event.data.creditLimit };
      return;
    }
    case 'CreditLimitChanged':
      if (account === undefined) return;
      draft.account = { ...account, creditLimit: event.data.creditLimit };
      draft.money = { ...draft.money, floor: -event.data.creditLimit };
      return;
    case 'AuthorizationDecided': {
      const { authorizationId, amount, expiresAtMs, decision, occurredAtMs } = event.data;
      if (decision === 'approved') {
        // The approval reserves its amount as a hold under the authorization's id: capture, void
        // and expiry are then the wallet's own hold commands, with their one-end-only rule.
        draft.holds.set(authorizationId, {
          holdId: authorizationId,
          asset: 'money',
          amount,
          expiresAtMs,
          status: 'active',
        });
      }
      if (account !== undefined) {
        const authorizations = new Map(account.authorizations);
        authorizations.set(authorizationId, { ...event.data, eventId: event.eventId });
        const approvals =
          decision === 'approved'
            ? [...account.approvals, { amount, occurredAtMs }].slice(-APPROVALS_KEPT)
            : account.approvals;
        draft.account = { ...account, authorizations, approvals };
      }
      break;
    }
    case 'PaymentSubmitted':
    case 'PaymentReturned':
    case 'PaymentReturnParked': {
      // Money moves as the read models move it (sums of cardMoves), account or not.
      if (account === undefined) break;
      const payments = new Map(account.payments);
      const { paymentId } = event.data;
      const before = payments.get(paymentId);
      if (event.type === 'PaymentSubmitted') {
        payments.set(paymentId, { ...before, paymentId, amount: event.data.amount, status: 'submitted' });
      } else if (event.type === 'PaymentReturned') {
        payments.set(paymentId, {
          paymentId,
          amount: event.data.amount,
          status: 'returned',
          returnReason: event.data.reason,
        });
      } else {
        payments.set(paymentId, { paymentId, status: 'return-parked', returnReason: event.data.reason });
      }
      draft.account = { ...account, payments };
      break;
    }
  }
  draft.money = {
    ...draft.money,
    balance: draft.money.balance + balance,
    held: draft.money.held + held,
  };
}
