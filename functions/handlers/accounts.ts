import { type CardDeps, cardAction } from '#app/cards.ts';
import { accountNow } from '#app/queries/account.ts';
import { cardDeps } from '#composition/cards.ts';
import { hashing } from '#composition/instance.ts';
import { accountBalance } from '#domain/card/statement.ts';
import { parseWalletId } from '#domain/wallet-id.ts';
import { accountIdOf, cardActionOf } from '#http/account-actions.ts';
import * as json from '#http/accounts-json.ts';
import { type HttpRequest, httpHandler, httpRoute } from '#http/handler.ts';
import { requestIdempotency } from '#http/idempotency-scope.ts';
import { type HttpResult, jsonResult } from '#http/problem.ts';
import { requiredKey, tradeAnswer } from '#http/trading-json.ts';

/**
 * A read. The balance now is answered here; the statement and a read at a bitemporal cut (`asOf`,
 * `knownAt`, parsed there) load with their first call (account-reads.ts), so a cold start that
 * reads a balance or writes loads neither.
 */
async function read(request: HttpRequest, deps: CardDeps, accountId: string): Promise<HttpResult> {
  const { asOf, knownAt } = request.query;
  if (asOf !== undefined || knownAt !== undefined || request.event.routeKey.endsWith('/transactions')) {
    return (await import('./account-reads.ts')).readAccount(request, deps, accountId);
  }
  const account = await accountNow(deps, accountId);
  if (account === undefined) return json.accountNotFound(accountId);
  return jsonResult(200, json.balanceJson(accountId, account.balance));
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
      const action = cardActionOf(request);
      const key = requiredKey(request.event, 'Account writes need an Idempotency-Key header.');
      const payloadHash = fingerprint({ operation: `account-${action.kind}`, accountId, ...action });
      const status = action.kind === 'capture' || action.kind === 'void' ? 200 : 201;
      const result = await cardAction(
        deps,
        {
          accountId,
          idempotency: requestIdempotency(request.event, 'accounts', key, payloadHash),
          respond: (events) => ({ statusCode: status, body: json.writeAnswerJson(accountId, events) }),
          ...(request.requestId === undefined ? {} : { correlation: { requestId: request.requestId } }),
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
