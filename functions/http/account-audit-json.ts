/**
 * A card account's events as the audit trail shows them (audit-json.ts, which renders every
 * event, takes these cases from here): the accounts function renders only these, in its answers
 * and statements, and so bundles none of the other families' renderers.
 */
import { CARD_EVENT_TYPES, type CardEventType } from '#domain/card/events.ts';
import { formatMinor } from '#domain/money.ts';
import type { RecordedEvent } from '#domain/wallet.ts';

export const iso = (ms: number) => new Date(ms).toISOString();

/** An amount as the wallet's lists show it: money as its exact decimal text, points as a number. */
export const amountJson = (asset: 'money' | 'points', amount: bigint): string | number =>
  asset === 'money' ? formatMinor(amount) : Number(amount);

/**
 * Every entry's own fields. `withKeys`: idempotency keys are shown only to service and admin
 * callers, because a key is a correction handle (an admin can name an event by it), not something
 * the wallet owner needs.
 */
export const auditBase = (event: RecordedEvent, withKeys: boolean) => ({
  eventId: event.eventId,
  type: event.type,
  lane: event.lane,
  version: event.version,
  recordedAt: iso(event.recordedAtMs),
  ...(event.idempotencyKey === undefined || !withKeys ? {} : { idempotencyKey: event.idempotencyKey }),
});

/** What a card account's story holds: its own events, and the end of an approval's hold. */
export type AccountStoryEvent = RecordedEvent & { type: CardEventType | 'HoldCaptured' | 'HoldReleased' };

const STORY_TYPES: ReadonlySet<string> = new Set<AccountStoryEvent['type']>([
  ...CARD_EVENT_TYPES,
  'HoldCaptured',
  'HoldReleased',
]);

export const isAccountStoryEvent = (event: RecordedEvent): event is AccountStoryEvent =>
  STORY_TYPES.has(event.type);

/** The `data` of an account's event: amounts as decimal text, times as ISO 8601. */
export function accountEventData(event: AccountStoryEvent) {
  switch (event.type) {
    case 'AccountOpened':
    case 'CreditLimitChanged':
      return {
        ...event.data,
        creditLimit: formatMinor(event.data.creditLimit),
        ...('previous' in event.data ? { previous: formatMinor(event.data.previous) } : {}),
      };
    case 'AuthorizationDecided':
      return {
        ...event.data,
        amount: formatMinor(event.data.amount),
        available: formatMinor(event.data.available),
        expiresAt: iso(event.data.expiresAtMs),
      };
    case 'PaymentSubmitted':
    case 'PaymentReturned':
      return { ...event.data, amount: formatMinor(event.data.amount) };
    case 'PaymentReturnParked':
      return event.data;
    case 'HoldCaptured':
      return {
        ...event.data,
        amount: amountJson(event.data.asset, event.data.amount),
        released: amountJson(event.data.asset, event.data.released),
      };
    case 'HoldReleased':
      return { ...event.data, amount: amountJson(event.data.asset, event.data.amount) };
  }
}

/** An account's event as the audit trail shows it to its owner (no idempotency key). */
export const accountEventJson = (event: AccountStoryEvent) => ({
  ...auditBase(event, false),
  data: accountEventData(event),
});
