import { type WalletViewDeps, walletNow } from '#app/queries/wallet-view.ts';
import { walletReadDeps } from '#composition/lambda.ts';
import { parseWalletId } from '#domain/wallet-id.ts';
import { httpHandler, httpRoute, walletInPath } from '#http/handler.ts';
import { jsonResult, walletNotFound } from '#http/problem.ts';
import { detailsJson } from '#http/wallet-json.ts';

/**
 * `GET /details/{wallet_id}` — the original wallet service's JSON, exactly:
 * `{"WalletID":…,"Balance":…,"AboveThreshold":…}`. Reads the projected view and folds in any
 * events the projector has not applied yet, so a read always reflects every acknowledged deposit.
 */
export const makeDetailsHandler = (deps: () => Promise<WalletViewDeps>) =>
  httpRoute({
    wallets: walletInPath,
    deps,
    run: async (request, deps) => {
      const walletId = parseWalletId(request.param('wallet_id'));
      const view = await walletNow(deps, walletId);
      if (view === undefined) throw walletNotFound(walletId, 'deposits');
      return jsonResult(200, detailsJson(walletId, view));
    },
  });

export const handler = httpHandler(makeDetailsHandler(walletReadDeps));
