/**
 * Payments through a provider, as the wallet records them (payments.ts decides and folds them).
 * Kept apart from commands.ts and events.ts, which name these types, so that the decider's files
 * import in one direction only.
 *
 * A payment is either a points purchase (cash in, points credited when the provider confirms) or
 * an order (points held now, plus cash; on the provider's success the hold is captured to the
 * merchant, on its failure the hold is released). Its id names the paying wallet
 * (see functions/app/payments.ts), so the wallet's log is its whole story.
 */

export type PaymentPurpose = 'points-purchase' | 'order';

/** How a payment stands. `pending` until the provider's webhook says otherwise. */
export type PaymentStatus = 'pending' | 'succeeded' | 'failed' | 'canceled';

/** What the provider said about a payment, as the webhook route hands it to the decider. */
export type PaymentOutcome = 'succeeded' | 'failed' | 'canceled';

/** An order's part of a payment: who is paid, the whole price, and the hold on the buyer's points. */
export interface OrderTerms {
  merchant: string;
  /** The whole price in minor units: what the points cover plus the cash. */
  priceMinor: bigint;
  /** What the held points are worth at the configured rate (rounded down). */
  pointsValueMinor: bigint;
  /** The hold on the buyer's points (its id is the payment id). */
  holdId: string;
  expiresAtMs: number;
}

export type PaymentCommand =
  | {
      /**
       * Record a payment the provider was asked to collect. For an order, the points are held in
       * the same decision (refused with insufficient_funds when they are not available).
       */
      type: 'RequestPayment';
      walletId: string;
      paymentId: string;
      purpose: PaymentPurpose;
      /** Points bought (purchase) or spent (order). */
      points: bigint;
      /** The cash the provider collects, minor units. */
      amountMinor: bigint;
      currency: string;
      provider: string;
      paymentIntentId: string;
      occurredAtMs: number;
      order?: OrderTerms;
    }
  | {
      /** Apply one provider event (a verified webhook) to the payment it names. */
      type: 'SettlePayment';
      walletId: string;
      paymentId: string;
      outcome: PaymentOutcome;
      provider: string;
      providerEventId: string;
      paymentIntentId: string;
      amountMinor: bigint;
      currency: string;
      occurredAtMs: number;
    }
  | {
      /**
       * Apply a refund the provider made (its answer to Tally's refund call, or its webhook for a
       * refund made at the provider). Refunds are cumulative, as providers report them: the total
       * refunded so far, so a repeated or older report decides nothing.
       */
      type: 'RefundPayment';
      walletId: string;
      paymentId: string;
      provider: string;
      providerRefundId: string;
      paymentIntentId: string;
      /** Everything refunded on the payment so far, this refund included; minor units. */
      refundedTotalMinor: bigint;
      currency: string;
      occurredAtMs: number;
    };

export type PaymentEvent =
  | {
      type: 'PaymentRequested';
      data: {
        paymentId: string;
        purpose: PaymentPurpose;
        points: bigint;
        amountMinor: bigint;
        currency: string;
        provider: string;
        paymentIntentId: string;
        occurredAtMs: number;
        order?: OrderTerms;
      };
    }
  | {
      /**
       * The provider confirmed the cash. `points` is what this event credits: the points bought,
       * or 0 for an order (its points move by the HoldCaptured beside it). `refundDue` marks cash
       * taken for an order whose points were already released (expired): it is owed back.
       */
      type: 'PaymentSucceeded';
      data: {
        paymentId: string;
        provider: string;
        providerEventId: string;
        amountMinor: bigint;
        currency: string;
        points: bigint;
        occurredAtMs: number;
        refundDue?: boolean;
      };
    }
  | {
      /** The provider reported the payment failed or cancelled: nothing credited; an order's hold is released. */
      type: 'PaymentFailed';
      data: {
        paymentId: string;
        provider: string;
        providerEventId: string;
        reason: 'failed' | 'canceled';
        occurredAtMs: number;
      };
    }
  | {
      /**
       * The provider gave cash back. `points` is what this refund takes back from the wallet (a
       * purchase's points in proportion to the cash refunded; 0 for an order, whose points went
       * to the merchant); `amountMinor` is this refund, `refundedTotalMinor` all refunds so far.
       */
      type: 'PaymentRefunded';
      data: {
        paymentId: string;
        provider: string;
        providerRefundId: string;
        amountMinor: bigint;
        refundedTotalMinor: bigint;
        currency: string;
        points: bigint;
        occurredAtMs: number;
      };
    };

/** A payment as its events left it. */
export interface Payment {
  paymentId: string;
  purpose: PaymentPurpose;
  points: bigint;
  amountMinor: bigint;
  currency: string;
  provider: string;
  paymentIntentId: string;
  status: PaymentStatus;
  requestedAtMs: number;
  order?: OrderTerms;
  /** Provider events applied to it: a redelivered one decides nothing. */
  providerEventIds: readonly string[];
  settledAtMs?: number;
  refundDue?: boolean;
  /** What refunds gave back so far (cash) and took back (points); absent before the first. */
  refunded?: { amountMinor: bigint; points: bigint };
  /** The provider refund ids applied: the same refund reported again decides nothing. */
  refundIds?: readonly string[];
}
