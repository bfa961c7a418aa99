/**
 * Which family a wallet event belongs to, apart from the families' deciders and folds (trading.ts,
 * payments.ts re-export these): a writer that only checks an event's family (app/ledger-indexes.ts)
 * bundles neither.
 */
import type { TradingEvent } from './events.ts';
import type { PaymentEvent } from './payment-types.ts';

export const TRADING_EVENT_TYPES = [
  'HoldPlaced',
  'HoldCaptured',
  'HoldReleased',
  'TransferredOut',
  'TransferredIn',
] as const satisfies readonly TradingEvent['type'][];

/** The guard of a family: whether an event's type is one of `types`. */
const familyGuard =
  <F>(types: readonly string[]) =>
  <E extends { type: string }>(event: E): event is E & F =>
    types.includes(event.type);

export const isTradingEvent = /* @__PURE__ */ familyGuard<TradingEvent>(TRADING_EVENT_TYPES);

export const PAYMENT_EVENT_TYPES = [
  'PaymentRequested',
  'PaymentSucceeded',
  'PaymentFailed',
  'PaymentRefunded',
] as const satisfies readonly PaymentEvent['type'][];

export const isPaymentEvent = /* @__PURE__ */ familyGuard<PaymentEvent>(PAYMENT_EVENT_TYPES);
