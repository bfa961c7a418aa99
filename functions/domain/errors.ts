/**
 * Domain rejections: a closed set. Each carries a stable `code` and a `detail` written for the
 * client (safe to expose). Parsers throw them; the wallet decider returns them. What each code
 * means at the edges (HTTP status, whether a queued message is retried) is one table:
 * functions/app/outcomes.ts.
 */
export const DOMAIN_ERROR_CODES = [
  // Input that can never be valid.
  'invalid_wallet_id',
  'invalid_amount',
  'invalid_time',
  /** A `wallet.deposit` CloudEvent whose `data.amount` is not an amount. */
  'invalid_deposit',
  // Corrections.
  /** The wallet has no events. */
  'wallet_not_found',
  /** No event of the wallet has the reference. */
  'event_not_found',
  /** The reference names an event that is not a deposit or fact (points follow their fact). */
  'not_correctable',
  /** A voided event cannot be amended. */
  'event_voided',
  /** The amendment does not fit the event (data for a deposit, an amount for a fact). */
  'invalid_amendment',
  /** The correction takes back more than is available: `balance − held` would end below the floor. */
  'correction_below_floor',
  // Rules.
  /** A rule failed on the fact (its expression threw, or gave no whole number of points). */
  'rule_failed',
  /** The rule set version that governs a fact is not stored. */
  'rule_set_missing',
  // Spends (wallet/trading.ts).
  /** Spending the amount would take `balance − held` below the asset's floor. */
  'insufficient_funds',
  /** No hold has the id. */
  'hold_not_found',
  /** The hold was captured, released or expired already: a hold ends once. */
  'hold_not_active',
  /** Another hold has the id already. */
  'hold_exists',
  /** An expiry asked for before the hold's expiry time. */
  'hold_not_expired',
  /** A transfer that can never be valid (from and to the same wallet). */
  'invalid_transfer',
  /** The offer was filled, cancelled or expired. */
  'offer_not_open',
  /** No offer has the id. */
  'offer_not_found',
  // Payments (wallet/payments.ts).
  /** No payment (or order) has the id. */
  'payment_not_found',
  /** A provider event, or a repeated request, that does not match the payment's recorded terms. */
  'payment_mismatch',
  /** A refund of a payment that has not succeeded (nothing was taken to give back). */
  'payment_not_refundable',
  // Card accounts (domain/card).
  /** No account was opened under the id (the wallet may exist). */
  'account_not_found',
  /** The account is open with other terms: a new limit is a limit change. */
  'account_exists',
  /** A credit limit below zero. */
  'invalid_credit_limit',
  /** Another authorization has the id, with other terms. */
  'authorization_exists',
  /** No authorization of the account has the id. */
  'authorization_not_found',
  /** The authorization was declined: there is nothing to capture or void. */
  'authorization_declined',
  /** The payment id was submitted with another amount. */
  'payment_exists',
  /** The payment was returned already (or its return is waiting for it). */
  'payment_returned',
  /** An `account.*` / `payment.*` CloudEvent of an unknown type or with bad data. */
  'invalid_account_event',
] as const;

export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: DomainErrorCode,
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`);
  }
}

export const isDomainError = (error: unknown): error is DomainError => error instanceof DomainError;

export const isDomainErrorCode = (code: unknown): code is DomainErrorCode =>
  typeof code === 'string' && (DOMAIN_ERROR_CODES as readonly string[]).includes(code);
