/**
 * Card accounts over HTTP: the request bodies (zod) and the answers that are not decisions (a
 * decision's answer is app/card-answers.ts, shared with the published event; a statement's,
 * account-statement-json.ts).
 */
import * as z from 'zod/mini';
import { authorizationJson, jsonText, paymentJson } from '#app/card-answers.ts';
import type { AccountBalance } from '#domain/card/statement.ts';
import { DomainError } from '#domain/errors.ts';
import { formatMinor } from '#domain/money.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import { accountEventJson, isAccountStoryEvent } from './account-audit-json.ts';
import type { HttpResult } from './problem.ts';
import { amountField, tradeAnswer } from './trading-json.ts';

const currencyField = z.string().check(z.regex(/^[A-Z]{3}$/, 'a currency is an ISO 4217 code such as EUR'));
const idField = z
  .string()
  .check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/, 'an id is 1-128 of A-Z a-z 0-9 . _ : @ -'));

export const openBody = z.strictObject({
  accountId: z.string(),
  creditLimit: amountField,
  currency: currencyField,
});
export const limitBody = z.strictObject({ creditLimit: amountField });
export const authorizeBody = z.strictObject({
  amount: amountField,
  currency: z.optional(currencyField),
  merchant: z.strictObject({
    id: idField,
    name: z.optional(z.string().check(z.maxLength(200))),
    mcc: z.string().check(z.regex(/^\d{4}$/, 'an MCC is four digits')),
  }),
});
export const captureBody = z.strictObject({ amount: z.optional(amountField) });
export const paymentBody = z.strictObject({ paymentId: idField, amount: amountField });
export const returnBody = z.strictObject({ reason: z.string().check(z.minLength(1), z.maxLength(500)) });

/** A read of an account that was never opened: the decider's own error, answered as every write's. */
export const accountNotFound = (accountId: string): HttpResult =>
  tradeAnswer({
    kind: 'rejected',
    error: new DomainError('account_not_found', `No account ${accountId} was opened.`),
  });

/** `GET /accounts/{id}` and `…/balance`. `balance` is what is owed; money as exact decimals. */
export const balanceJson = (accountId: string, balance: AccountBalance): string =>
  jsonText([
    ['accountId', JSON.stringify(accountId)],
    ['creditLimit', formatMinor(balance.creditLimit)],
    ['balance', formatMinor(balance.owed)],
    ['pending', formatMinor(balance.pending)],
    ['available', formatMinor(balance.available)],
    ['currency', JSON.stringify(balance.currency)],
    ['version', String(balance.version)],
  ]);

/** The answer to a decided write: the decision itself, or what the write recorded. */
export function writeAnswerJson(accountId: string, events: readonly RecordedEvent[]): string {
  const decided = events.find((event) => event.type === 'AuthorizationDecided');
  if (decided?.type === 'AuthorizationDecided') return authorizationJson(accountId, decided);
  const payment = events.find(
    (event) => event.type === 'PaymentSubmitted' || event.type === 'PaymentReturned',
  );
  if (payment?.type === 'PaymentSubmitted' || payment?.type === 'PaymentReturned') {
    return paymentJson(accountId, payment);
  }
  const ended = events.find((event) => event.type === 'HoldCaptured' || event.type === 'HoldReleased');
  if (ended?.type === 'HoldCaptured' || ended?.type === 'HoldReleased') {
    const captured = ended.type === 'HoldCaptured';
    return jsonText([
      ['authorizationId', JSON.stringify(ended.data.holdId)],
      ['accountId', JSON.stringify(accountId)],
      ['status', JSON.stringify(captured ? 'captured' : 'voided')],
      ['amount', formatMinor(ended.data.amount)],
      ['released', captured ? formatMinor(ended.data.released) : undefined],
      ['occurredAt', JSON.stringify(new Date(ended.data.occurredAtMs).toISOString())],
    ]);
  }
  const first = events[0];
  return JSON.stringify({
    accountId,
    recorded: events.map((event) => {
      // A card write records only its account's events (domain/card/decide.ts decideAccount).
      if (!isAccountStoryEvent(event))
        throw new Error(`writeAnswerJson: a card write recorded ${event.type}`);
      return accountEventJson(event);
    }),
    ...(first === undefined ? {} : { eventId: first.eventId }),
  });
}

/** The account a `POST /accounts` body names, for the per-wallet check before deps load. */
export function openBodyAccountId(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const id = (body as Record<string, unknown>).accountId;
  return typeof id === 'string' ? id : undefined;
}
