/**
 * Payments through a provider, decided and folded (types in payment-types.ts). Decided in lane 0
 * against the wallet's exact state, like every spend:
 * - RequestPayment records the payment; for an order it holds the points in the same decision,
 *   so the points cannot be spent twice while the provider collects the cash.
 * - SettlePayment applies one provider event. Points are credited only on `succeeded`, and at
 *   most once per payment: a redelivered event (same provider event id) decides nothing, and a
 *   payment that succeeded ignores everything after, in whatever order the events arrive. The
 *   provider event id also keys the idempotency record written with these events (app/payments.ts),
 *   so a duplicate delivery writes nothing either way.
 * An order never ends paid with its points released: the capture happens in the decision that
 * records the success, and only while the hold is active; a success that finds the hold already
 * released or expired records the cash as owed back (`refundDue`) and captures nothing.
 */
import { DomainError } from '../errors.ts';
import type { TradingCommand } from './commands.ts';
import type { WalletEvent } from './events.ts';
import type { Payment, PaymentCommand, PaymentEvent } from './payment-types.ts';
import { decideRefund } from './refunds.ts';
import type { AssetBalance, WalletState } from './state.ts';
import { captureHold, placeHold, releaseHold, transferIn } from './trading.ts';

export { isPaymentEvent, PAYMENT_EVENT_TYPES } from './event-families.ts';

type CommandOf<T extends PaymentCommand['type']> = PaymentCommand & { type: T };

export function decidePayment(
  command: PaymentCommand,
  state: WalletState,
): readonly WalletEvent[] | DomainError {
  switch (command.type) {
    case 'RequestPayment':
      return decidePaymentRequest(command, state);
    case 'SettlePayment':
      return decideSettlement(command, state);
    case 'RefundPayment':
      return decideRefund(command, state);
  }
}

/**
 * An order's success moves funds (the held points captured to the merchant, who takes them as a
 * TransferIn beside it): the webhook decides the settlement and the merchant's TransferIn, and no
 * other command, with this.
 */
export function decideSettlementOrTransferIn(
  command: CommandOf<'SettlePayment'> | (TradingCommand & { type: 'TransferIn' }),
  state: WalletState,
): readonly WalletEvent[] | DomainError {
  return command.type === 'SettlePayment' ? decideSettlement(command, state) : transferIn(command);
}

/**
 * A payment requested (a purchase; an order, whose points it holds in the same decision): the
 * orders route sends this command alone, so it bundles this decider and not the webhook's
 * settlement (nor, through it, every trading decision); the payments route, which only buys
 * points, sends it through decidePurchase.
 */
export function decidePaymentRequest(
  command: CommandOf<'RequestPayment'>,
  state: WalletState,
): readonly WalletEvent[] | DomainError {
  const decided = requestOnly(command, state);
  if (command.order === undefined || decided instanceof DomainError || decided.length === 0) return decided;
  const { walletId, paymentId, points } = command;
  // A hold of its own: an existing hold under the id would decide nothing and leave the order unbacked.
  if (state.holds.has(command.order.holdId)) {
    return new DomainError(
      'hold_exists',
      `Hold ${command.order.holdId} exists; an order holds its points anew.`,
    );
  }
  const held = placeHold(
    {
      type: 'PlaceHold',
      walletId,
      asset: 'points',
      amount: points,
      holdId: command.order.holdId,
      expiresAtMs: command.order.expiresAtMs,
      occurredAtMs: command.occurredAtMs,
      memo: `order ${paymentId}`,
    },
    state,
  );
  if (held instanceof DomainError) return held;
  return [...held, ...decided];
}

/** A purchase of points (no order): the payments route's decider, which never holds points. */
export function decidePurchase(
  command: CommandOf<'RequestPayment'>,
  state: WalletState,
): readonly WalletEvent[] | DomainError {
  if (command.order !== undefined)
    throw new Error('decidePurchase: an order holds points (decidePaymentRequest)');
  return requestOnly(command, state);
}

/** The payment's own part of a request: nothing (the same request again), a refusal, or PaymentRequested. */
function requestOnly(
  command: CommandOf<'RequestPayment'>,
  state: WalletState,
): readonly WalletEvent[] | DomainError {
  const { paymentId, purpose, points, amountMinor, currency, provider, paymentIntentId } = command;
  const existing = state.payments.get(paymentId);
  if (existing !== undefined) {
    // The same request again (a retried call that found the intent it made) decides nothing.
    const same =
      existing.purpose === purpose &&
      existing.points === points &&
      existing.amountMinor === amountMinor &&
      existing.paymentIntentId === paymentIntentId;
    return same ? [] : new DomainError('payment_mismatch', `Payment ${paymentId} exists with other terms.`);
  }
  if (points <= 0n || amountMinor <= 0n) {
    return new DomainError('invalid_amount', 'A payment needs points above zero and cash above zero.');
  }
  if ((purpose === 'order') !== (command.order !== undefined)) {
    throw new Error('RequestPayment: an order, and only an order, carries its terms');
  }
  const requested: WalletEvent = {
    type: 'PaymentRequested',
    data: {
      paymentId,
      purpose,
      points,
      amountMinor,
      currency,
      provider,
      paymentIntentId,
      occurredAtMs: command.occurredAtMs,
      ...(command.order === undefined ? {} : { order: command.order }),
    },
  };
  return [requested];
}

/** One provider event applied to its payment (the webhook's): see the module's comment. */
export function decideSettlement(
  command: CommandOf<'SettlePayment'>,
  state: WalletState,
): readonly WalletEvent[] | DomainError {
  const payment = state.payments.get(command.paymentId);
  if (payment === undefined) {
    return new DomainError('payment_not_found', `No payment ${command.paymentId}.`);
  }
  // A redelivery of an event already applied: nothing more.
  if (payment.providerEventIds.includes(command.providerEventId)) return [];
  const mismatch = mismatchOf(payment, command);
  if (mismatch !== undefined) return new DomainError('payment_mismatch', mismatch);
  // Success is final: a late or reordered failure, or a second success, changes nothing.
  if (payment.status === 'succeeded') return [];
  const { paymentId, provider, providerEventId, occurredAtMs } = command;
  if (command.outcome === 'succeeded') {
    const base = { paymentId, provider, providerEventId, occurredAtMs };
    const cash = { amountMinor: command.amountMinor, currency: command.currency };
    if (payment.order === undefined) {
      return [{ type: 'PaymentSucceeded', data: { ...base, ...cash, points: payment.points } }];
    }
    const hold = state.holds.get(payment.order.holdId);
    // Captured at the time the provider says the cash was taken: a webhook that arrives late
    // still pays an order whose hold was active then and has not been ended since.
    const capture =
      hold?.status === 'active' && occurredAtMs < hold.expiresAtMs
        ? captureHold(
            {
              type: 'CaptureHold',
              walletId: command.walletId,
              holdId: hold.holdId,
              occurredAtMs,
              counterparty: payment.order.merchant,
            },
            state,
          )
        : undefined;
    if (capture === undefined || capture instanceof DomainError) {
      return [{ type: 'PaymentSucceeded', data: { ...base, ...cash, points: 0n, refundDue: true } }];
    }
    return [{ type: 'PaymentSucceeded', data: { ...base, ...cash, points: 0n } }, ...capture];
  }
  // Failed or cancelled: once ended, a further failure changes nothing.
  if (payment.status !== 'pending') return [];
  const failed: WalletEvent = {
    type: 'PaymentFailed',
    data: { paymentId, provider, providerEventId, reason: command.outcome, occurredAtMs },
  };
  const hold = payment.order === undefined ? undefined : state.holds.get(payment.order.holdId);
  if (hold?.status !== 'active') return [failed];
  const released = releaseHold(
    { type: 'ReleaseHold', walletId: command.walletId, holdId: hold.holdId, occurredAtMs },
    state,
  );
  return released instanceof DomainError ? released : [failed, ...released];
}

/** Why an event cannot be about this payment (another provider, intent, amount or currency). */
function mismatchOf(payment: Payment, command: CommandOf<'SettlePayment'>): string | undefined {
  if (payment.provider !== command.provider || payment.paymentIntentId !== command.paymentIntentId) {
    return `Payment ${payment.paymentId} was made with another provider intent.`;
  }
  if (
    command.outcome === 'succeeded' &&
    (payment.amountMinor !== command.amountMinor || payment.currency !== command.currency)
  ) {
    return `Payment ${payment.paymentId} is for ${payment.amountMinor} ${payment.currency} (minor units); the provider reported ${command.amountMinor} ${command.currency}.`;
  }
  return undefined;
}

/**
 * Folds a payment event into the payments (the draft's own map); answers the points balance after
 * it. Needs no place in the log, so the payment listing (app/payment-index.ts) folds with it too.
 */
export function applyPayment(
  points: AssetBalance,
  payments: Map<string, Payment>,
  event: PaymentEvent,
): AssetBalance {
  switch (event.type) {
    case 'PaymentRequested': {
      const { occurredAtMs, order, ...terms } = event.data;
      if (!payments.has(terms.paymentId)) {
        payments.set(terms.paymentId, {
          ...terms,
          status: 'pending',
          requestedAtMs: occurredAtMs,
          providerEventIds: [],
          ...(order === undefined ? {} : { order }),
        });
      }
      return points;
    }
    case 'PaymentSucceeded': {
      const payment = payments.get(event.data.paymentId);
      // The decider credits a payment once; a log that says otherwise changes nothing the second time.
      if (payment === undefined || payment.status === 'succeeded') return points;
      payments.set(payment.paymentId, {
        ...payment,
        status: 'succeeded',
        providerEventIds: [...payment.providerEventIds, event.data.providerEventId],
        settledAtMs: event.data.occurredAtMs,
        ...(event.data.refundDue ? { refundDue: true } : {}),
      });
      return { ...points, balance: points.balance + event.data.points };
    }
    case 'PaymentFailed': {
      const payment = payments.get(event.data.paymentId);
      if (payment === undefined || payment.status !== 'pending') return points;
      payments.set(payment.paymentId, {
        ...payment,
        status: event.data.reason,
        providerEventIds: [...payment.providerEventIds, event.data.providerEventId],
        settledAtMs: event.data.occurredAtMs,
      });
      return points;
    }
    case 'PaymentRefunded': {
      const payment = payments.get(event.data.paymentId);
      // The decider applies a refund id once; a log that says otherwise changes nothing the second time.
      if (payment === undefined || payment.refundIds?.includes(event.data.providerRefundId)) return points;
      const before = payment.refunded ?? { amountMinor: 0n, points: 0n };
      payments.set(payment.paymentId, {
        ...payment,
        refunded: {
          amountMinor: event.data.refundedTotalMinor,
          points: before.points + event.data.points,
        },
        refundIds: [...(payment.refundIds ?? []), event.data.providerRefundId],
      });
      return { ...points, balance: points.balance - event.data.points };
    }
  }
}

/** An order's status, from its payment and its hold at `nowMs`. */
export type OrderStatus = 'pending' | 'paid' | 'failed' | 'cancelled' | 'expired' | 'refund-due';

export function orderStatus(
  payment: Pick<Payment, 'status' | 'refundDue'>,
  holdStatus: string | undefined,
  holdExpiresAtMs: number,
  nowMs: number,
): OrderStatus {
  switch (payment.status) {
    case 'succeeded':
      return payment.refundDue ? 'refund-due' : 'paid';
    case 'failed':
      return 'failed';
    case 'canceled':
      return 'cancelled';
    case 'pending':
      return holdStatus === 'active' && nowMs < holdExpiresAtMs ? 'pending' : 'expired';
  }
}
