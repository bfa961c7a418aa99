import { formatAssetAmount, formatMinor } from '#domain/money.ts';
import type { RecordedEvent, WalletEventType } from '#domain/wallet.ts';
import type { EventBus, PublishedEvent, PublishFailure, PublishOutcome } from '#ports/event-bus.ts';
import { accountTermsJson, authorizationJson, paymentJson } from './card-answers.ts';

/**
 * Stored events → the CloudEvents Tally publishes. Pure: a stored event always maps to the same
 * CloudEvent (same id, same bytes), which is what makes re-publishing a redelivered stream record
 * harmless for consumers that dedupe by id.
 */

/** A stored event, with the trace context of the request that caused it when the store keeps one. */
export type PublishableEvent = RecordedEvent & { traceparent?: string; tracestate?: string };

type RecordedOf<T extends WalletEventType> = Extract<RecordedEvent, { type: T }>;

/** How one event type is published. */
export interface PublicationRule<T extends WalletEventType> {
  /** The CloudEvent type. */
  type: string;
  /**
   * The CloudEvent data as JSON text. For a decision it is the JSON the API answered, so a
   * consumer sees what the caller saw; amounts are written with `formatMinor` (exact).
   */
  data(event: RecordedOf<T>): string;
}

/**
 * One entry per event type, `null` for the types that are not published. Exhaustive on purpose:
 * a new event type does not compile until someone decides whether and how it is published.
 */
export type PublicationRegistry = { [T in WalletEventType]: PublicationRule<T> | null };

export const CLOUD_EVENT_TYPES = {
  deposited: 'tally.wallet.deposited',
  pointsAwarded: 'tally.points.awarded',
  pointsAdjusted: 'tally.points.adjusted',
  eventCorrected: 'tally.event.corrected',
  holdPlaced: 'tally.hold.placed',
  holdCaptured: 'tally.hold.captured',
  holdReleased: 'tally.hold.released',
  transferredOut: 'tally.transfer.sent',
  transferredIn: 'tally.transfer.received',
  paymentRequested: 'tally.payment.requested',
  paymentSucceeded: 'tally.payment.succeeded',
  paymentFailed: 'tally.payment.failed',
  paymentRefunded: 'tally.payment.refunded',
  accountOpened: 'tally.account.opened',
  creditLimitChanged: 'tally.account.credit_limit_changed',
  authorizationDecided: 'tally.authorization.decided',
  paymentApplied: 'tally.payment.applied',
  paymentReturned: 'tally.payment.returned',
} as const;

/**
 * CloudEvent types that also go to the decisions topic on MSK, when the stack has one: the card
 * platform's decisions, whose data is the JSON the API answered.
 */
export const DECISION_EVENT_TYPES: ReadonlySet<string> = new Set<string>([
  CLOUD_EVENT_TYPES.authorizationDecided,
]);

export const isDecisionEvent = (event: PublishedEvent): boolean => DECISION_EVENT_TYPES.has(event.type);

/** A JSON object from members whose values are already JSON text (exact numbers, spliced data). */
export function jsonObject(members: ReadonlyArray<readonly [string, string | undefined]>): string {
  const parts = members
    .filter((member): member is readonly [string, string] => member[1] !== undefined)
    .map(([name, valueJson]) => `${JSON.stringify(name)}:${valueJson}`);
  return `{${parts.join(',')}}`;
}

const text = (value: string | undefined): string | undefined =>
  value === undefined ? undefined : JSON.stringify(value);
const isoTime = (ms: number): string => JSON.stringify(new Date(ms).toISOString());
const where = (event: RecordedEvent) =>
  [
    ['walletId', text(event.walletId)],
    ['eventId', text(event.eventId)],
  ] as const;

const assetAmount = (asset: 'money' | 'points', amount: bigint) =>
  [
    ['asset', text(asset)],
    ['amount', formatAssetAmount(asset, amount)],
  ] as const;

export const DEFAULT_PUBLICATIONS: PublicationRegistry = {
  Deposited: {
    type: CLOUD_EVENT_TYPES.deposited,
    data: (event) =>
      jsonObject([
        ...where(event),
        ['amount', formatMinor(event.data.amountMinor)],
        ['occurredAt', isoTime(event.data.occurredAtMs)],
        ['factId', text(event.data.factId)],
      ]),
  },
  // The fact came from another application's CloudEvent: echoing it back would publish it twice.
  // Its consequences (points) are published.
  FactRecorded: null,
  PointsAwarded: {
    type: CLOUD_EVENT_TYPES.pointsAwarded,
    data: (event) =>
      jsonObject([
        ...where(event),
        ['points', event.data.points.toString()],
        ['factId', text(event.data.factId)],
        ['ruleId', text(event.data.ruleId)],
        ['ruleSetVersion', String(event.data.ruleSetVersion)],
      ]),
  },
  PointsAdjusted: {
    type: CLOUD_EVENT_TYPES.pointsAdjusted,
    data: (event) =>
      jsonObject([
        ...where(event),
        ['points', event.data.points.toString()],
        ['factId', text(event.data.factId)],
        ['ruleId', text(event.data.ruleId)],
        ['ruleSetVersion', String(event.data.ruleSetVersion)],
        ['cause', text(event.data.cause)],
        ['causeId', text(event.data.causeId)],
      ]),
  },
  EventCorrected: {
    type: CLOUD_EVENT_TYPES.eventCorrected,
    data: (event) =>
      jsonObject([
        ...where(event),
        ['target', JSON.stringify(event.data.target)],
        ['action', text(event.data.action)],
        ['reason', text(event.data.reason)],
        [
          'deposit',
          event.data.deposit &&
            jsonObject([
              ['amount', formatMinor(event.data.deposit.amountMinor)],
              ['occurredAt', isoTime(event.data.deposit.occurredAtMs)],
            ]),
        ],
        [
          'fact',
          // dataJson is the JSON text the fact arrived as (validated then): spliced, not re-parsed.
          event.data.fact &&
            jsonObject([
              ['occurredAt', isoTime(event.data.fact.occurredAtMs)],
              ['data', event.data.fact.dataJson],
            ]),
        ],
      ]),
  },
  // Bookkeeping of a retroactive rule application; its effects are PointsAdjusted events.
  RulesApplied: null,
  HoldPlaced: {
    type: CLOUD_EVENT_TYPES.holdPlaced,
    data: (event) =>
      jsonObject([
        ...where(event),
        ['holdId', text(event.data.holdId)],
        ...assetAmount(event.data.asset, event.data.amount),
        ['expiresAt', isoTime(event.data.expiresAtMs)],
        ['occurredAt', isoTime(event.data.occurredAtMs)],
      ]),
  },
  HoldCaptured: {
    type: CLOUD_EVENT_TYPES.holdCaptured,
    data: (event) =>
      jsonObject([
        ...where(event),
        ['holdId', text(event.data.holdId)],
        ...assetAmount(event.data.asset, event.data.amount),
        ['released', formatAssetAmount(event.data.asset, event.data.released)],
        ['counterparty', text(event.data.counterparty)],
        ['occurredAt', isoTime(event.data.occurredAtMs)],
      ]),
  },
  HoldReleased: {
    type: CLOUD_EVENT_TYPES.holdReleased,
    data: (event) =>
      jsonObject([
        ...where(event),
        ['holdId', text(event.data.holdId)],
        ...assetAmount(event.data.asset, event.data.amount),
        ['reason', text(event.data.reason)],
        ['occurredAt', isoTime(event.data.occurredAtMs)],
      ]),
  },
  TransferredOut: {
    type: CLOUD_EVENT_TYPES.transferredOut,
    data: (event) =>
      jsonObject([
        ...where(event),
        ['transferId', text(event.data.transferId)],
        ...assetAmount(event.data.asset, event.data.amount),
        ['to', text(event.data.to)],
        ['occurredAt', isoTime(event.data.occurredAtMs)],
      ]),
  },
  TransferredIn: {
    type: CLOUD_EVENT_TYPES.transferredIn,
    data: (event) =>
      jsonObject([
        ...where(event),
        ['transferId', text(event.data.transferId)],
        ...assetAmount(event.data.asset, event.data.amount),
        ['from', text(event.data.from)],
        ['occurredAt', isoTime(event.data.occurredAtMs)],
      ]),
  },
  PaymentRequested: {
    type: CLOUD_EVENT_TYPES.paymentRequested,
    data: (event) =>
      jsonObject([
        ...where(event),
        ['paymentId', text(event.data.paymentId)],
        ['purpose', text(event.data.purpose)],
        ['points', event.data.points.toString()],
        ['amount', formatMinor(event.data.amountMinor)],
        ['currency', text(event.data.currency)],
        ['provider', text(event.data.provider)],
        ['merchant', text(event.data.order?.merchant)],
        ['occurredAt', isoTime(event.data.occurredAtMs)],
      ]),
  },
  PaymentSucceeded: {
    type: CLOUD_EVENT_TYPES.paymentSucceeded,
    data: (event) =>
      jsonObject([
        ...where(event),
        ['paymentId', text(event.data.paymentId)],
        ['amount', formatMinor(event.data.amountMinor)],
        ['currency', text(event.data.currency)],
        ['points', event.data.points.toString()],
        ['refundDue', event.data.refundDue ? 'true' : undefined],
        ['occurredAt', isoTime(event.data.occurredAtMs)],
      ]),
  },
  PaymentFailed: {
    type: CLOUD_EVENT_TYPES.paymentFailed,
    data: (event) =>
      jsonObject([
        ...where(event),
        ['paymentId', text(event.data.paymentId)],
        ['reason', text(event.data.reason)],
        ['occurredAt', isoTime(event.data.occurredAtMs)],
      ]),
  },
  PaymentRefunded: {
    type: CLOUD_EVENT_TYPES.paymentRefunded,
    data: (event) =>
      jsonObject([
        ...where(event),
        ['paymentId', text(event.data.paymentId)],
        ['refundId', text(event.data.providerRefundId)],
        ['amount', formatMinor(event.data.amountMinor)],
        ['refundedTotal', formatMinor(event.data.refundedTotalMinor)],
        ['currency', text(event.data.currency)],
        ['points', event.data.points.toString()],
        ['occurredAt', isoTime(event.data.occurredAtMs)],
      ]),
  },
  // Card accounts (app/card-answers.ts writes the data: a decision's is the API's answer). The
  // capture, void and expiry of an authorization are its hold's HoldCaptured / HoldReleased.
  AccountOpened: {
    type: CLOUD_EVENT_TYPES.accountOpened,
    data: (event) => accountTermsJson(event.walletId, event),
  },
  CreditLimitChanged: {
    type: CLOUD_EVENT_TYPES.creditLimitChanged,
    data: (event) => accountTermsJson(event.walletId, event),
  },
  AuthorizationDecided: {
    type: CLOUD_EVENT_TYPES.authorizationDecided,
    data: (event) => authorizationJson(event.walletId, event),
  },
  PaymentSubmitted: {
    type: CLOUD_EVENT_TYPES.paymentApplied,
    data: (event) => paymentJson(event.walletId, event),
  },
  PaymentReturned: {
    type: CLOUD_EVENT_TYPES.paymentReturned,
    data: (event) => paymentJson(event.walletId, event),
  },
  // Waiting for its payment; published as PaymentReturned when it applies.
  PaymentReturnParked: null,
};

export interface PublishOptions {
  /** The CloudEvent source, e.g. `tally/prod`. */
  source: string;
  registry?: PublicationRegistry;
}

/**
 * The CloudEvent id of a stored event: its event id, which the store keeps with it, so every
 * delivery of the same stored event gets the same id.
 */
export const cloudEventId = (event: RecordedEvent): string => event.eventId;

/** The CloudEvent for a stored event, or undefined when its type is not published. */
export function toCloudEvent(event: PublishableEvent, options: PublishOptions): PublishedEvent | undefined {
  const registry = options.registry ?? DEFAULT_PUBLICATIONS;
  // The registry is keyed by the event's own type, so the entry's data builder takes this event.
  const rule = registry[event.type] as PublicationRule<typeof event.type> | null;
  if (rule === null) return undefined;
  const published: PublishedEvent = {
    specversion: '1.0',
    id: cloudEventId(event),
    source: options.source,
    type: rule.type,
    subject: event.walletId,
    time: new Date(event.recordedAtMs).toISOString(),
    datacontenttype: 'application/json',
    dataJson: rule.data(event as never),
  };
  if (event.traceparent !== undefined) published.traceparent = event.traceparent;
  if (event.traceparent !== undefined && event.tracestate !== undefined)
    published.tracestate = event.tracestate;
  return published;
}

/** The CloudEvents for stored events, in their order; unpublished types are left out. */
export function toCloudEvents(
  events: readonly PublishableEvent[],
  options: PublishOptions,
): PublishedEvent[] {
  return events.flatMap((event) => toCloudEvent(event, options) ?? []);
}

/**
 * Several buses as one (EventBridge and, with MSK, the decisions topic). An event failed if any
 * bus it was meant for failed it: retrying it republishes to every bus, and the ones that took it
 * already see the same id again, which their consumers dedupe.
 */
export function fanOut(
  buses: ReadonlyArray<{ bus: EventBus; accepts?: (event: PublishedEvent) => boolean }>,
): EventBus {
  return {
    async publish(events) {
      const outcomes = await Promise.all(
        buses.map(({ bus, accepts }) => {
          const chosen = accepts === undefined ? events : events.filter(accepts);
          return chosen.length === 0 ? Promise.resolve<PublishOutcome>({ failed: [] }) : bus.publish(chosen);
        }),
      );
      const failed = new Map<string, PublishFailure>();
      for (const outcome of outcomes) {
        for (const failure of outcome.failed) {
          // Retryable wins: one bus that can take the event later is reason enough to try again.
          const known = failed.get(failure.id);
          if (known === undefined || (!known.retryable && failure.retryable)) failed.set(failure.id, failure);
        }
      }
      return { failed: [...failed.values()] };
    },
  };
}
