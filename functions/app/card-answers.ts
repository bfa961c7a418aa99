/**
 * The JSON a card decision is answered with, as text. The HTTP answer (stored with the
 * idempotency record) and the published CloudEvent's `data` (publish.ts) are both built here from
 * the stored event, so a consumer sees byte for byte what the caller saw. Money is written as
 * exact decimal JSON numbers (formatMinor), never through a float.
 */
import type { CardEvent } from '#domain/card/events.ts';
import { formatMinor } from '#domain/money.ts';

type EventOf<T extends CardEvent['type']> = CardEvent & { type: T };

/** A JSON object from members whose values are JSON text already; undefined members are left out. */
export function jsonText(members: ReadonlyArray<readonly [string, string | undefined]>): string {
  const parts = members
    .filter((member): member is readonly [string, string] => member[1] !== undefined)
    .map(([name, valueJson]) => `${JSON.stringify(name)}:${valueJson}`);
  return `{${parts.join(',')}}`;
}

const text = (value: string | undefined) => (value === undefined ? undefined : JSON.stringify(value));
const iso = (ms: number) => JSON.stringify(new Date(ms).toISOString());

/** `POST /accounts/{id}/authorizations`' 201 body, and `tally.authorization.decided`'s data. */
export function authorizationJson(accountId: string, event: EventOf<'AuthorizationDecided'>): string {
  const { data } = event;
  return jsonText([
    ['authorizationId', text(data.authorizationId)],
    ['accountId', text(accountId)],
    ['amount', formatMinor(data.amount)],
    ['currency', text(data.currency)],
    [
      'merchant',
      jsonText([
        ['id', text(data.merchant.id)],
        ['name', text(data.merchant.name)],
        ['mcc', text(data.merchant.mcc)],
      ]),
    ],
    ['decision', text(data.decision)],
    ['reasons', JSON.stringify(data.reasons)],
    ['ruleSetVersion', String(data.ruleSetVersion)],
    ['available', formatMinor(data.available)],
    ['expiresAt', data.decision === 'approved' ? iso(data.expiresAtMs) : undefined],
    ['decidedAt', iso(data.occurredAtMs)],
  ]);
}

/** A payment applied (`tally.payment.applied`) or reversed (`tally.payment.returned`). */
export function paymentJson(
  accountId: string,
  event: EventOf<'PaymentSubmitted'> | EventOf<'PaymentReturned'>,
): string {
  return jsonText([
    ['paymentId', text(event.data.paymentId)],
    ['accountId', text(accountId)],
    ['amount', formatMinor(event.data.amount)],
    ['reason', event.type === 'PaymentReturned' ? text(event.data.reason) : undefined],
    ['occurredAt', iso(event.data.occurredAtMs)],
  ]);
}

/** An account's terms as opened or changed (`tally.account.opened`, `…credit_limit_changed`). */
export function accountTermsJson(
  accountId: string,
  event: EventOf<'AccountOpened'> | EventOf<'CreditLimitChanged'>,
): string {
  return jsonText([
    ['accountId', text(accountId)],
    ['creditLimit', formatMinor(event.data.creditLimit)],
    [
      'previousCreditLimit',
      event.type === 'CreditLimitChanged' ? formatMinor(event.data.previous) : undefined,
    ],
    ['currency', event.type === 'AccountOpened' ? text(event.data.currency) : undefined],
    ['occurredAt', iso(event.data.occurredAtMs)],
  ]);
}
