/**
 * A wallet's money and points movements as a statement: one line per event that moved an asset
 * (or reserved it), with its kind, signed amount, counterparty and the event behind it. Pure:
 * a function of the log.
 */
import type { Asset, RecordedEvent } from './wallet.ts';

export type MovementKind =
  | 'deposit'
  | 'award'
  | 'transfer-in'
  | 'transfer-out'
  | 'hold'
  | 'capture'
  | 'release'
  | 'trade'
  | 'correction'
  /** Points bought with cash (a provider's payment succeeded). */
  | 'purchase'
  /** Points a refund took back (the cash they were bought with was given back). */
  | 'refund'
  /** A card authorization approved: held until captured, voided or expired. */
  | 'authorization'
  /** Points spent on an order (its hold captured to the merchant) or received for one; a card payment. */
  | 'payment'
  | 'payment-return';

export interface Movement {
  kind: MovementKind;
  asset: Asset;
  /** Signed: what the line adds to the balance; for a hold or release, to what is held. */
  amount: bigint;
  counterparty: string | null;
  event: {
    eventId: string;
    type: RecordedEvent['type'];
    lane: number;
    version: number;
    recordedAtMs: number;
  };
}

/** Offer fills carry this transfer id prefix (app/offers.ts): they are trades. */
const isTrade = (transferId: string) => transferId.startsWith('offer:');
/** An order's points reach the merchant under this transfer id prefix (app/orders.ts). */
const isOrder = (transferId: string) => transferId.startsWith('order:');

/** Every movement of the log, newest first (record time, then lane and version, descending). */
export function movementsOf(log: readonly RecordedEvent[]): Movement[] {
  const byPlace = new Map(log.map((event) => [`${event.lane}:${event.version}`, event]));
  const lines: Movement[] = [];
  // An order holds its points under the payment's id: their capture is the order's payment.
  const orderHolds = new Set(
    log.flatMap((event) =>
      event.type === 'PaymentRequested' && event.data.order ? [event.data.order.holdId] : [],
    ),
  );
  for (const event of log) {
    const line = (kind: MovementKind, asset: Asset, amount: bigint, counterparty: string | null = null) =>
      lines.push({
        kind,
        asset,
        amount,
        counterparty,
        event: {
          eventId: event.eventId,
          type: event.type,
          lane: event.lane,
          version: event.version,
          recordedAtMs: event.recordedAtMs,
        },
      });
    switch (event.type) {
      case 'Deposited':
        line('deposit', 'money', event.data.amountMinor);
        break;
      case 'PointsAwarded':
        line('award', 'points', event.data.points);
        break;
      case 'PointsAdjusted':
        line('correction', 'points', event.data.points);
        break;
      case 'EventCorrected': {
        // A deposit's correction moves money by the difference to what stood before it.
        const target = byPlace.get(`${event.data.target.lane}:${event.data.target.version}`);
        if (target?.type !== 'Deposited') break;
        const earlier = log.findLast(
          (other) =>
            other.type === 'EventCorrected' &&
            other.version < event.version &&
            other.data.target.lane === target.lane &&
            other.data.target.version === target.version,
        );
        const before =
          earlier?.type === 'EventCorrected'
            ? earlier.data.action === 'void'
              ? 0n
              : (earlier.data.deposit?.amountMinor ?? target.data.amountMinor)
            : target.data.amountMinor;
        const after = event.data.action === 'void' ? 0n : (event.data.deposit?.amountMinor ?? before);
        if (after !== before) line('correction', 'money', after - before);
        break;
      }
      case 'TransferredIn':
        line(
          isTrade(event.data.transferId)
            ? 'trade'
            : isOrder(event.data.transferId)
              ? 'payment'
              : 'transfer-in',
          event.data.asset,
          event.data.amount,
          event.data.from,
        );
        break;
      case 'TransferredOut':
        line(
          isTrade(event.data.transferId) ? 'trade' : 'transfer-out',
          event.data.asset,
          -event.data.amount,
          event.data.to,
        );
        break;
      case 'HoldPlaced':
        line('hold', event.data.asset, event.data.amount);
        break;
      case 'HoldCaptured':
        line(
          orderHolds.has(event.data.holdId) ? 'payment' : 'capture',
          event.data.asset,
          -event.data.amount,
          event.data.counterparty ?? null,
        );
        break;
      case 'HoldReleased':
        line('release', event.data.asset, -event.data.amount);
        break;
      case 'PaymentSucceeded':
        if (event.data.points !== 0n) line('purchase', 'points', event.data.points, event.data.provider);
        break;
      case 'PaymentRefunded':
        if (event.data.points !== 0n) line('refund', 'points', -event.data.points, event.data.provider);
        break;
      case 'AuthorizationDecided':
        if (event.data.decision === 'approved')
          line('authorization', 'money', event.data.amount, event.data.merchant.id);
        break;
      case 'PaymentSubmitted':
        line('payment', 'money', event.data.amount);
        break;
      case 'PaymentReturned':
        line('payment-return', 'money', -event.data.amount);
        break;
      case 'FactRecorded':
      case 'RulesApplied':
      case 'PaymentRequested':
      case 'PaymentFailed':
      case 'AccountOpened':
      case 'CreditLimitChanged':
      case 'PaymentReturnParked':
        break;
    }
  }
  return lines.sort(
    (a, b) =>
      b.event.recordedAtMs - a.event.recordedAtMs ||
      b.event.lane - a.event.lane ||
      b.event.version - a.event.version,
  );
}
