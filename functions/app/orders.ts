/**
 * `POST /orders`: paying a merchant with points plus cash. The points cover part of the price at
 * the configured rate (rounded down, so the cash part is rounded up) and are HELD in the buyer's
 * wallet in the same decision that records the payment (lane 0, as every hold); the rest is a
 * payment intent. The provider's success captures the hold to the merchant (payment-webhook.ts),
 * its failure or cancellation releases it, and so does the hold's expiry. The order's id is its
 * payment's id.
 */
import { DomainError } from '#domain/errors.ts';
import { splitOrder } from '#domain/pricing.ts';
import { available, decidePaymentRequest, foldWallet, initialWalletState } from '#domain/wallet.ts';
import { priorUse } from './idempotency.ts';
import {
  type PaymentDeps,
  type PaymentRequest,
  type PaymentResult,
  paymentIdOfKey,
  recordIntent,
} from './payments.ts';
import { readWallet } from './read-events.ts';
import { indexChangesOf } from './trading-index.ts';

export interface OrderInput extends PaymentRequest {
  merchant: string;
  priceMinor: bigint;
  points: bigint;
  expiresInMs: number;
}

export async function createOrder(deps: PaymentDeps, input: OrderInput): Promise<PaymentResult> {
  if (input.wallet === input.merchant) {
    return {
      kind: 'rejected',
      error: new DomainError('invalid_transfer', 'A wallet cannot pay an order to itself.'),
    };
  }
  let split: ReturnType<typeof splitOrder>;
  try {
    split = splitOrder(input.priceMinor, input.points, deps.pricing.pointRate);
  } catch (error) {
    if (error instanceof DomainError) return { kind: 'rejected', error };
    throw error;
  }
  if (split.cashMinor === 0n) {
    return {
      kind: 'rejected',
      error: new DomainError(
        'invalid_amount',
        'The points cover the whole amount: an order has a cash part (pay with points alone by POST /transfers).',
      ),
    };
  }
  const used = await priorUse(deps.store, input.idempotency);
  if (used) return used;
  // Checked before the provider is asked, so a buyer short of points gets no intent to pay. The
  // decision that holds them checks again against lane 0's exact head (and cancels the intent
  // when a concurrent spend took the points meanwhile).
  const state = foldWallet(await readWallet(deps.store, input.wallet), initialWalletState());
  const free = available(state.balances.points);
  const paymentId = paymentIdOfKey(deps, input.wallet, input.idempotency.key);
  if (free < input.points && !state.payments.has(paymentId)) {
    return {
      kind: 'rejected',
      error: new DomainError(
        'insufficient_funds',
        `Wallet ${input.wallet} has ${free} points available; ${input.points} was asked.`,
      ),
    };
  }
  return recordIntent(
    deps,
    input,
    {
      paymentId,
      purpose: 'order',
      points: split.points,
      amountMinor: split.cashMinor,
      order: {
        merchant: input.merchant,
        priceMinor: input.priceMinor,
        pointsValueMinor: split.pointsValueMinor,
        holdId: paymentId,
        expiresAtMs: deps.clock.nowMs() + input.expiresInMs,
      },
    },
    { decide: decidePaymentRequest, indexes: indexChangesOf },
  );
}
