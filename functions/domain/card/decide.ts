/**
 * The card decider: account, authorization and payment commands against the wallet's state.
 *
 * The invariant: an approval never takes `available = creditLimit − owed − pending` below zero.
 * In wallet terms that is trading's rule, `balance − held ≥ floor` with `floor = −creditLimit`,
 * checked against the state the command is decided on. These commands go through the command
 * handler in lane 0, whose append is conditioned on lane 0's head: two authorizers that decided
 * against the same state cannot both be recorded, and the loser decides again against a state
 * that holds the winner's approval. Credits that reach other lanes (deposits) only raise
 * available, so a state that misses them can only decline too much, never approve too much.
 */
import { DomainError } from '../errors.ts';
import type { TradingCommand } from '../wallet/commands.ts';
import type { WalletEvent } from '../wallet/events.ts';
import type { WalletState } from '../wallet/state.ts';
import { available } from '../wallet/state.ts';
import { captureHold, lapse, releaseHold } from '../wallet/trading.ts';
import type { CardCommand } from './commands.ts';
import { CURRENCY_MISMATCH, INSUFFICIENT_CREDIT } from './events.ts';
import type { CardAccount } from './state.ts';

type Decision = readonly WalletEvent[] | DomainError;
type CommandOf<T extends CardCommand['type']> = CardCommand & { type: T };

/** What a card account's writes send (app/cards.ts): its own commands, and an approval's capture or void. */
export type AccountCommand = CardCommand | (TradingCommand & { type: 'CaptureHold' | 'ReleaseHold' });

/**
 * A card account's writes: its own commands, and the capture or void of the hold an approval
 * placed (trading's captureHold / releaseHold). An approval's expiry is the expiry sweep's
 * (ExpireHold, decided by decideTrading in that function): the account's writes never send it, so
 * the rest of trading's decider is not in their bundle.
 */
export function decideAccount(command: AccountCommand, state: WalletState): Decision {
  switch (command.type) {
    case 'CaptureHold':
      return captureHold(command, state);
    case 'ReleaseHold':
      return releaseHold(command, state);
    default:
      return decideCard(command, state);
  }
}

export function decideCard(command: CardCommand, state: WalletState): Decision {
  if (command.type === 'OpenAccount') return openAccount(command, state);
  const account = state.account;
  if (account === undefined) {
    return new DomainError('account_not_found', `No account ${command.walletId} was opened.`);
  }
  switch (command.type) {
    case 'ChangeCreditLimit': {
      const refused = limitRefused(command.creditLimit);
      if (refused) return refused;
      if (command.creditLimit === account.creditLimit) return [];
      const { creditLimit, occurredAtMs } = command;
      return [
        { type: 'CreditLimitChanged', data: { creditLimit, previous: account.creditLimit, occurredAtMs } },
      ];
    }
    case 'Authorize':
      return authorize(command, state, account);
    case 'SubmitPayment':
      return submitPayment(command, account);
    case 'ReturnPayment':
      return returnPayment(command, account);
  }
}

const limitRefused = (creditLimit: bigint): DomainError | undefined =>
  creditLimit < 0n ? new DomainError('invalid_credit_limit', 'A credit limit is zero or more.') : undefined;

function openAccount(command: CommandOf<'OpenAccount'>, state: WalletState): Decision {
  const refused = limitRefused(command.creditLimit);
  if (refused) return refused;
  const { creditLimit, currency, occurredAtMs } = command;
  const open = state.account;
  if (open !== undefined) {
    // Opening it again as it stands decides nothing; other terms are a limit change, not an opening.
    if (open.currency === currency && open.creditLimit === creditLimit) return [];
    return new DomainError('account_exists', `Account ${command.walletId} is open with other terms.`);
  }
  return [{ type: 'AccountOpened', data: { creditLimit, currency, occurredAtMs } }];
}

/**
 * Approved when no rule declined, the currency is the account's and the available credit (with
 * expired authorizations released in the same decision) covers the amount; else declined, with
 * every reason. Either way the decision is recorded: it is answered and published.
 */
function authorize(command: CommandOf<'Authorize'>, state: WalletState, account: CardAccount): Decision {
  if (command.amount <= 0n) return new DomainError('invalid_amount', 'The amount must be above zero.');
  const known = account.authorizations.get(command.authorizationId);
  if (known !== undefined) {
    const same =
      known.amount === command.amount &&
      known.currency === command.currency &&
      known.merchant.id === command.merchant.id &&
      known.merchant.mcc === command.merchant.mcc;
    return same
      ? []
      : new DomainError(
          'authorization_exists',
          `Authorization ${command.authorizationId} exists with other terms.`,
        );
  }
  const lapsed = lapse(state, 'money', command.occurredAtMs);
  const money = state.balances.money;
  const free = available(money) + lapsed.freed - money.floor;
  const reasons = [...new Set(command.ruleDeclines)];
  if (command.currency !== account.currency) reasons.push(CURRENCY_MISMATCH);
  if (free < command.amount) reasons.push(INSUFFICIENT_CREDIT);
  const approved = reasons.length === 0;
  const { authorizationId, amount, currency, merchant, ruleSetVersion, expiresAtMs, occurredAtMs } = command;
  return [
    ...lapsed.events,
    {
      type: 'AuthorizationDecided',
      data: {
        authorizationId,
        amount,
        currency,
        merchant,
        decision: approved ? 'approved' : 'declined',
        reasons,
        ruleSetVersion,
        available: approved ? free - amount : free,
        expiresAtMs,
        occurredAtMs,
      },
    },
  ];
}

function submitPayment(command: CommandOf<'SubmitPayment'>, account: CardAccount): Decision {
  if (command.amount <= 0n) return new DomainError('invalid_amount', 'The amount must be above zero.');
  const { paymentId, amount, occurredAtMs } = command;
  const known = account.payments.get(paymentId);
  const submitted: WalletEvent = { type: 'PaymentSubmitted', data: { paymentId, amount, occurredAtMs } };
  if (known === undefined) return [submitted];
  if (known.status === 'return-parked') {
    // Its return came first and waited for it: both apply now, the return once.
    const reason = known.returnReason ?? '';
    return [submitted, { type: 'PaymentReturned', data: { paymentId, amount, reason, occurredAtMs } }];
  }
  if (known.amount === amount) return [];
  return new DomainError('payment_exists', `Payment ${paymentId} was submitted with another amount.`);
}

function returnPayment(command: CommandOf<'ReturnPayment'>, account: CardAccount): Decision {
  const { paymentId, reason, occurredAtMs } = command;
  const known = account.payments.get(paymentId);
  if (known === undefined)
    return [{ type: 'PaymentReturnParked', data: { paymentId, reason, occurredAtMs } }];
  if (known.status !== 'submitted' || known.amount === undefined) {
    return new DomainError('payment_returned', `Payment ${paymentId} was returned already.`);
  }
  return [{ type: 'PaymentReturned', data: { paymentId, amount: known.amount, reason, occurredAtMs } }];
}
