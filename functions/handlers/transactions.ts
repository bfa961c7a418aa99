import { walletLogAt } from '#app/queries/reads-at.ts';
import { readWallet } from '#app/read-events.ts';
import { transactionsDeps } from '#composition/lambda.ts';
import { parseWalletId } from '#domain/wallet-id.ts';
import { movementsOf } from '#domain/wallet-transactions.ts';
import { httpHandler, httpRoute, walletInPath } from '#http/handler.ts';
import { jsonResult, walletNotFound } from '#http/problem.ts';
import { parseCut } from '#http/query.ts';
import { transactionsJson, transactionsQuery } from '#http/transactions-json.ts';
import type { EventStore } from '#ports/event-store.ts';

/**
 * `GET /wallets/{wallet_id}/transactions?limit=&cursor=&asOf=&knownAt=`: money and points
 * movements, newest first; at a bitemporal cut, only the movements counted then.
 */
export const makeTransactionsHandler = (deps: () => { stores: { events: EventStore } }) =>
  httpRoute({
    wallets: walletInPath,
    deps,
    run: async (request, { stores }) => {
      const walletId = parseWalletId(request.param('wallet_id'));
      const query = transactionsQuery(request.query);
      const cut = parseCut(request.query);
      const log =
        cut === undefined
          ? await readWallet(stores.events, walletId)
          : ((await walletLogAt(stores.events, walletId, cut)) ?? []);
      if (log.length === 0) throw walletNotFound(walletId);
      return jsonResult(200, transactionsJson(walletId, movementsOf(log), query));
    },
  });

export const handler = httpHandler(makeTransactionsHandler(transactionsDeps));
