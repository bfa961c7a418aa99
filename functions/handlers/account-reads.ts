/**
 * The accounts function's reads other than the balance now: the statement
 * (`GET /accounts/{account_id}/transactions`) and any read at a bitemporal cut (`?asOf=`,
 * `?knownAt=`). In a module that handlers/accounts.ts loads with `import()`, with the first such
 * call: their code (the statement's lines and JSON, the log's cut) is not at a cold start whose
 * call reads a balance, authorizes, captures or pays.
 */
import type { CardDeps } from '#app/cards.ts';
import { accountNow } from '#app/queries/account.ts';
import { statementNow } from '#app/queries/account-statement.ts';
import { accountAt } from '#app/queries/reads-at.ts';
import { statementJson, statementQuery } from '#http/account-statement-json.ts';
import { accountNotFound, balanceJson } from '#http/accounts-json.ts';
import type { HttpRequest } from '#http/handler.ts';
import { type HttpResult, jsonResult } from '#http/problem.ts';
import { parseCut } from '#http/query.ts';

export async function readAccount(
  request: HttpRequest,
  deps: CardDeps,
  accountId: string,
): Promise<HttpResult> {
  const cut = parseCut(request.query);
  const account =
    cut === undefined
      ? await accountNow(deps, accountId).then(
          (now) => now && { ...now, statement: () => statementNow(deps.store, accountId, now.nowMs) },
        )
      : await accountAt(deps, accountId, cut);
  if (account === undefined) return accountNotFound(accountId);
  if (request.event.routeKey.endsWith('/transactions')) {
    return jsonResult(
      200,
      statementJson(accountId, await account.statement(), statementQuery(request.query)),
    );
  }
  return jsonResult(200, balanceJson(accountId, account.balance));
}
