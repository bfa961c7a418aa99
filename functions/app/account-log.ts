/**
 * One structured debug line per event applied to a card account, with the account's position
 * right after it: the story of an authorization from request to published event, told at debug
 * level (off by default; POWERTOOLS_LOG_LEVEL=DEBUG or `npm start -- --log-level debug` shows it).
 * Amounts and ids only: no merchant name, nothing about the card holder. The eventId is the
 * published CloudEvent's id, so a line finds its published event and the other way round.
 */
import { positionOf } from '#domain/card/state.ts';
import { formatMinor } from '#domain/money.ts';
import { evolve, type RecordedEvent, type WalletState } from '#domain/wallet.ts';
import { type AccountLog, accountLogOn } from './account-log-level.ts';

export type { AccountLog } from './account-log-level.ts';

/** What ties the lines to what caused them: the CloudEvent that was ingested, or the API request. */
export interface AccountLogCorrelation {
  cloudEventId?: string;
  requestId?: string;
}

export const ACCOUNT_EVENT_LOGGED = 'Account event applied';

const money = (minor: bigint) => formatMinor(minor);

/** The event's own amounts and ids, the fields a reader of the story needs. */
function detailsOf(event: RecordedEvent): Record<string, unknown> {
  switch (event.type) {
    case 'AccountOpened':
      return { creditLimit: money(event.data.creditLimit), currency: event.data.currency };
    case 'CreditLimitChanged':
      return { creditLimit: money(event.data.creditLimit), previousLimit: money(event.data.previous) };
    case 'AuthorizationDecided':
      return {
        authorizationId: event.data.authorizationId,
        amount: money(event.data.amount),
        decision: event.data.decision,
        reasons: event.data.reasons,
        ruleSetVersion: event.data.ruleSetVersion,
        merchantId: event.data.merchant.id,
        mcc: event.data.merchant.mcc,
      };
    case 'PaymentSubmitted':
      return { paymentId: event.data.paymentId, amount: money(event.data.amount) };
    case 'PaymentReturned':
      return { paymentId: event.data.paymentId, amount: money(event.data.amount), reason: event.data.reason };
    case 'PaymentReturnParked':
      return { paymentId: event.data.paymentId, reason: event.data.reason };
    case 'HoldCaptured':
      return {
        authorizationId: event.data.holdId,
        amount: money(event.data.amount),
        released: money(event.data.released),
      };
    case 'HoldReleased':
      return {
        authorizationId: event.data.holdId,
        amount: money(event.data.amount),
        reason: event.data.reason,
      };
    default:
      return {};
  }
}

/** Whether the event is one of the account's: a card event, or the end of one of its approvals. */
function isAccountEvent(state: WalletState, event: RecordedEvent): boolean {
  if (state.account === undefined) return false;
  if (event.type === 'HoldCaptured' || event.type === 'HoldReleased') {
    return state.account.authorizations.has(event.data.holdId);
  }
  return (
    event.type === 'AccountOpened' ||
    event.type === 'CreditLimitChanged' ||
    event.type === 'AuthorizationDecided' ||
    event.type === 'PaymentSubmitted' ||
    event.type === 'PaymentReturned' ||
    event.type === 'PaymentReturnParked'
  );
}

/**
 * Logs each recorded event of an account, folding it onto `before` (the state the decision was
 * made against) so each line carries the position right after that event. Does nothing, not even
 * the fold, when there is no log or its level hides debug lines.
 */
export function logAccountEvents(
  log: AccountLog | undefined,
  before: WalletState,
  events: readonly RecordedEvent[],
  correlation: AccountLogCorrelation,
): void {
  if (!accountLogOn(log, events)) return;
  let state = before;
  for (const event of events) {
    state = evolve(state, event);
    const account = state.account;
    if (account === undefined || !isAccountEvent(state, event)) continue;
    const position = positionOf(account, state.balances.money);
    log.debug(ACCOUNT_EVENT_LOGGED, {
      accountId: event.walletId,
      eventType: event.type,
      eventId: event.eventId,
      lane: event.lane,
      version: event.version,
      ...correlation,
      ...detailsOf(event),
      after: {
        creditLimit: money(position.creditLimit),
        balance: money(position.owed),
        pending: money(position.pending),
        available: money(position.available),
        currency: account.currency,
        version: state.version,
      },
    });
  }
}
