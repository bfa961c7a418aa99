import type { CardAction } from '#app/cards.ts';
import { parseAmountMinor } from '#domain/money.ts';
import * as json from './accounts-json.ts';
import type { HttpRequest } from './handler.ts';
import { badRequest } from './problem.ts';
import { parseWith } from './request.ts';

/** A credit limit from JSON: zero as such (parseAmountMinor refuses it as an amount), else an amount. */
const limitOf = (value: number | string) => (value === 0 || value === '0' ? 0n : parseAmountMinor(value));

/**
 * The card-account write a route and body ask for (`functions/handlers/accounts.ts`): ids and
 * amounts checked here, the rest by the decider.
 */
export function cardActionOf(request: HttpRequest): CardAction {
  const { routeKey, body } = request.event;
  const path = routeKey.split(' ')[1] ?? '';
  const authorizationId = () => {
    const id = request.param('authorization_id');
    if (!id) throw badRequest('invalid-authorization-id', 'The path names no authorization.');
    return id;
  };
  if (path === '/accounts') {
    const open = parseWith(json.openBody, request.json());
    return { kind: 'open', creditLimit: limitOf(open.creditLimit), currency: open.currency };
  }
  if (path.endsWith('/credit-limit')) {
    return { kind: 'limit', creditLimit: limitOf(parseWith(json.limitBody, request.json()).creditLimit) };
  }
  if (path.endsWith('/authorizations')) {
    const asked = parseWith(json.authorizeBody, request.json());
    return {
      kind: 'authorize',
      amount: parseAmountMinor(asked.amount),
      merchant: asked.merchant,
      ...(asked.currency === undefined ? {} : { currency: asked.currency }),
    };
  }
  if (path.endsWith('/capture')) {
    const asked = body ? parseWith(json.captureBody, request.json()) : {};
    return {
      kind: 'capture',
      authorizationId: authorizationId(),
      ...(asked.amount === undefined ? {} : { amount: parseAmountMinor(asked.amount) }),
    };
  }
  if (path.endsWith('/void')) return { kind: 'void', authorizationId: authorizationId() };
  if (path.endsWith('/return')) {
    const paymentId = request.param('payment_id');
    if (!paymentId) throw badRequest('invalid-payment-id', 'The path names no payment.');
    return { kind: 'return', paymentId, reason: parseWith(json.returnBody, request.json()).reason };
  }
  const paid = parseWith(json.paymentBody, request.json());
  return { kind: 'pay', paymentId: paid.paymentId, amount: parseAmountMinor(paid.amount) };
}

/** The account a request names: in its path, or for `POST /accounts`, in its body. */
export const accountIdOf = (request: HttpRequest): string | undefined =>
  request.param('account_id') ??
  (request.event.routeKey === 'POST /accounts' ? json.openBodyAccountId(request.json()) : undefined);
