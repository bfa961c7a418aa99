/**
 * What deciding a card command needs beyond the wallet's money position: the account's terms,
 * its authorizations, its payments, and its recent approvals (velocity rules count them).
 * The money position itself is the wallet's (`balances.money`): `floor` is −creditLimit, `held`
 * is what approved authorizations keep pending, `balance` is minus what is owed.
 */
import type { AuthorizationDecision, Merchant } from './events.ts';

export interface Authorization {
  authorizationId: string;
  amount: bigint;
  currency: string;
  merchant: Merchant;
  decision: AuthorizationDecision;
  reasons: readonly string[];
  ruleSetVersion: number;
  available: bigint;
  expiresAtMs: number;
  occurredAtMs: number;
  /** The event that recorded the decision (its id is the published CloudEvent's id). */
  eventId: string;
}

export interface Payment {
  paymentId: string;
  /** Undefined while only a parked return has been seen. */
  amount?: bigint;
  status: 'submitted' | 'returned' | 'return-parked';
  returnReason?: string;
}

/** One approval, for velocity rules: when, and how much. */
export interface Approval {
  amount: bigint;
  occurredAtMs: number;
}

export interface CardAccount {
  creditLimit: bigint;
  currency: string;
  openedAtMs: number;
  authorizations: ReadonlyMap<string, Authorization>;
  payments: ReadonlyMap<string, Payment>;
  /** The latest approvals, oldest first, at most APPROVALS_KEPT. */
  approvals: readonly Approval[];
}

/**
 * How many approvals velocity rules can see. A rule such as "more than N approvals in M minutes"
 * needs N + 1 of them; 100 covers any sensible N and keeps the state small.
 */
export const APPROVALS_KEPT = 100;

/** The view of an account the API answers: owed, pending and available follow from the wallet. */
export interface AccountPosition {
  creditLimit: bigint;
  /** What is owed: captured purchases − payments + returned payments (deposits count as payments). */
  owed: bigint;
  pending: bigint;
  /** creditLimit − owed − pending; may be negative after a lower limit or a returned payment. */
  available: bigint;
}

export const positionOf = (
  account: CardAccount,
  money: { balance: bigint; held: bigint },
): AccountPosition => ({
  creditLimit: account.creditLimit,
  owed: -money.balance,
  pending: money.held,
  available: account.creditLimit + money.balance - money.held,
});
