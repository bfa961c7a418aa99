/**
 * A card account's own events. An account is a wallet with a credit limit (DESIGN.md): these
 * events live in the wallet's log, next to deposits and holds, so replay, snapshots, `/verify` and
 * `asOf` work for accounts unchanged. An approved authorization reserves its amount the way a hold
 * does; its capture, void and expiry are recorded as the wallet's HoldCaptured / HoldReleased.
 * Pure types: no import from the wallet, which imports these.
 */

/** Where a purchase was made, as the authorizer named it. */
export interface Merchant {
  id: string;
  name?: string;
  /** ISO 18245 merchant category code: four digits. */
  mcc: string;
}

export type AuthorizationDecision = 'approved' | 'declined';

/** Always a reason when available credit does not cover the amount (rules add their own ids). */
export const INSUFFICIENT_CREDIT = 'insufficient-credit';
/** The purchase's currency is not the account's. */
export const CURRENCY_MISMATCH = 'currency-mismatch';

export type CardEvent =
  | {
      /** The account exists from here on; its money may go down to −creditLimit. */
      type: 'AccountOpened';
      data: { creditLimit: bigint; currency: string; occurredAtMs: number };
    }
  | {
      /** The limit from now on. A lower limit never cancels what is already approved. */
      type: 'CreditLimitChanged';
      data: { creditLimit: bigint; previous: bigint; occurredAtMs: number };
    }
  | {
      /**
       * A purchase decided: approved (the amount is pending until captured, voided or expired) or
       * declined (nothing reserved) with the reasons. `available` is what the account had
       * available right after the decision: the API answers it and the published event repeats it.
       */
      type: 'AuthorizationDecided';
      data: {
        authorizationId: string;
        amount: bigint;
        currency: string;
        merchant: Merchant;
        decision: AuthorizationDecision;
        reasons: string[];
        ruleSetVersion: number;
        available: bigint;
        expiresAtMs: number;
        occurredAtMs: number;
      };
    }
  | {
      /** A payment towards what is owed: the balance owed goes down. */
      type: 'PaymentSubmitted';
      data: { paymentId: string; amount: bigint; occurredAtMs: number };
    }
  | {
      /** The payment bounced: what it paid is owed again (once per payment). */
      type: 'PaymentReturned';
      data: { paymentId: string; amount: bigint; reason: string; occurredAtMs: number };
    }
  | {
      /**
       * A return that arrived before its payment: kept, and applied (as PaymentReturned) in the
       * same decision that records the payment when it arrives.
       */
      type: 'PaymentReturnParked';
      data: { paymentId: string; reason: string; occurredAtMs: number };
    };

export type CardEventType = CardEvent['type'];

export const CARD_EVENT_TYPES = [
  'AccountOpened',
  'CreditLimitChanged',
  'AuthorizationDecided',
  'PaymentSubmitted',
  'PaymentReturned',
  'PaymentReturnParked',
] as const satisfies readonly CardEventType[];

export const isCardEvent = <E extends { type: string }>(event: E): event is E & CardEvent =>
  (CARD_EVENT_TYPES as readonly string[]).includes(event.type);

/**
 * How a card event moves the account's money: `balance` (negative is owed) and `held` (pending
 * authorizations). Read models fold these sums, as they fold trading events' (tradingMoves).
 */
export function cardMoves(event: CardEvent): { balance: bigint; held: bigint } {
  switch (event.type) {
    case 'AuthorizationDecided':
      return { balance: 0n, held: event.data.decision === 'approved' ? event.data.amount : 0n };
    case 'PaymentSubmitted':
      return { balance: event.data.amount, held: 0n };
    case 'PaymentReturned':
      return { balance: -event.data.amount, held: 0n };
    case 'AccountOpened':
    case 'CreditLimitChanged':
    case 'PaymentReturnParked':
      return { balance: 0n, held: 0n };
  }
}
