import { type CardAction, type CardDeps, cardAction } from '#app/cards.ts';
import { readWallet } from '#app/read-events.ts';
import { cardDeps } from '#composition/cards.ts';
import { hashing } from '#composition/lambda.ts';
import { accountBalance, statementOf } from '#domain/card/statement.ts';
import { DomainError } from '#domain/errors.ts';
import { parseAmountMinor } from '#domain/money.ts';
import { foldWallet, initialWalletState } from '#domain/wallet.ts';
import { parseWalletId } from '#domain/wallet-id.ts';
import * as json from '#http/accounts-json.ts';
import { type HttpRequest, httpHandler, httpRoute } from '#http/handler.ts';
import { badRequest, type HttpResult, jsonResult } from '#http/problem.ts';
import { parseWith } from '#http/request.ts';
import { requiredKey, tradeAnswer } from '#http/trading-json.ts';

const notFound = (accountId: string) =>
  new DomainError('account_not_found', `No account ${accountId} was opened.`);
const limitOf = (value: number | string) => (value === 0 || value === '0' ? 0n : parseAmountMinor(value));

/** The write a route and body ask for (ids and amounts checked here, the rest by the decider). */
function actionOf(request: HttpRequest): CardAction {
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

const accountIdOf = (request: HttpRequest): string | undefined =>
  request.param('account_id') ??
  (request.event.routeKey === 'POST /accounts' ? json.openBodyAccountId(request.json()) : undefined);

async function read(request: HttpRequest, deps: CardDeps, accountId: string): Promise<HttpResult> {
  const log = await readWallet(deps.store, accountId);
  const state = foldWallet(log, initialWalletState());
  const nowMs = deps.clock.nowMs();
  const balance = accountBalance(state, nowMs);
  if (balance === undefined) return tradeAnswer({ kind: 'rejected', error: notFound(accountId) });
  if (request.event.routeKey.endsWith('/transactions')) {
    return jsonResult(
      200,
      json.statementJson(accountId, statementOf(log, nowMs), json.statementQuery(request.query)),
    );
  }
  return jsonResult(200, json.balanceJson(accountId, balance));
}

/**
 * Card accounts: `POST /accounts`, `POST /accounts/{account_id}/credit-limit`, authorizations
 * (decide; capture; void), payments (submit; return), and `GET` of the balance and transactions.
 * Every write is keyed (Idempotency-Key) and decided in lane 0 (app/cards.ts).
 */
export const makeAccountsHandler = (deps: () => CardDeps, fingerprint = hashing.fingerprint) =>
  httpRoute({
    wallets: (request) => {
      const accountId = accountIdOf(request);
      return accountId === undefined ? [] : [accountId];
    },
    deps,
    run: async (request, deps) => {
      const accountId = parseWalletId(accountIdOf(request));
      if (request.method === 'GET') return read(request, deps, accountId);
      const action = actionOf(request);
      const key = requiredKey(request.event, 'Account writes need an Idempotency-Key header.');
      const payloadHash = fingerprint({ operation: `account-${action.kind}`, accountId, ...action });
      const status = action.kind === 'capture' || action.kind === 'void' ? 200 : 201;
      const result = await cardAction(
        deps,
        {
          accountId,
          idempotency: { key, payloadHash },
          respond: (events) => ({ statusCode: status, body: json.writeAnswerJson(accountId, events) }),
        },
        action,
      );
      if (result.kind === 'unchanged') {
        // Already as asked (opened with these terms, this payment known): the balance says so.
        const balance = accountBalance(result.state, deps.clock.nowMs());
        if (balance === undefined) throw new Error('accounts: an unchanged account is an account');
        return jsonResult(200, json.balanceJson(accountId, balance));
      }
      return tradeAnswer(result);
    },
  });

export const handler = httpHandler(makeAccountsHandler(cardDeps));
