/**
 * A wallet's payments and orders, listed newest first without reading its log: one entry per
 * payment, written in the transaction of each event that changes it (requested, settled, its
 * order's hold ended), all or nothing, as the offer book is (trading-index.ts). The log stays the
 * truth; an entry is what the payment's events said when they were written.
 */
import type { PaymentPurpose, PaymentStatus } from '#domain/wallet.ts';

export interface PaymentListing {
  walletId: string;
  paymentId: string;
  purpose: PaymentPurpose;
  status: PaymentStatus;
  points: bigint;
  /** The cash the provider collects, minor units. */
  amountMinor: bigint;
  currency: string;
  provider: string;
  createdAtMs: number;
  /** When the last event that changed the payment happened. */
  updatedAtMs: number;
  /** When the provider's answer came (as `GET /payments/{id}` says). */
  settledAtMs?: number;
  refundDue?: boolean;
  /** Points taken back by refunds, and the cash refunded (minor units); absent before any refund. */
  refunded?: { points: bigint; amountMinor: bigint };
  /** An order's terms; `holdEnded` once its points hold ended while the payment was pending. */
  order?: {
    merchant: string;
    priceMinor: bigint;
    pointsValueMinor: bigint;
    expiresAtMs: number;
    holdEnded?: boolean;
  };
}

export interface PaymentListQuery {
  walletId: string;
  /** Points purchases (`GET /wallets/{id}/payments`) or orders (`…/orders`). */
  purpose: PaymentPurpose;
  limit: number;
  /** Where the previous page ended (opaque to callers). */
  after?: string;
}

export interface PaymentListPage {
  payments: PaymentListing[];
  /** Where the next, older page starts; undefined after the last. */
  next?: string;
}

export interface PaymentIndex {
  /** One page of a wallet's payments of one purpose, newest first (by creation, then id). */
  listPayments(query: PaymentListQuery): Promise<PaymentListPage>;
}
