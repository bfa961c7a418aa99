import { type TransferDeps, transfer } from '#app/transfer.ts';
import { hashing } from '#composition/lambda.ts';
import { transferDeps } from '#composition/two-wallet.ts';
import { parseAssetAmount } from '#domain/wallet.ts';
import { parseWalletId } from '#domain/wallet-id.ts';
import { httpHandler, httpRoute, walletInBody } from '#http/handler.ts';
import { requestIdempotency } from '#http/idempotency-scope.ts';
import { parseWith } from '#http/request.ts';
import { requiredKey, tradeAnswer } from '#http/trading-json.ts';
import { transferBody, transferResponse } from '#http/transfers-json.ts';

/**
 * `POST /transfers`: moves money or points between two wallets in one transaction, exactly once
 * per Idempotency-Key. The token must reach the paying wallet; paying someone needs no right over them.
 */
export const makeTransfersHandler = (deps: () => TransferDeps, fingerprint = hashing.fingerprint) =>
  httpRoute({
    wallets: walletInBody('from'),
    deps,
    run: async (request, deps) => {
      const body = parseWith(transferBody, request.json());
      const key = requiredKey(request.event, 'POST /transfers needs an Idempotency-Key header.');
      const [from, to] = [parseWalletId(body.from), parseWalletId(body.to)];
      const amount = parseAssetAmount(body.asset, body.amount);
      const { asset, memo } = body;
      const payloadHash = fingerprint({ operation: 'transfer', from, to, asset, amount, memo: memo ?? null });
      const result = await transfer(deps, {
        from,
        to,
        asset,
        amount,
        ...(memo === undefined ? {} : { memo }),
        idempotency: requestIdempotency(request.event, 'transfers', key, payloadHash),
        respond: transferResponse(from, to, asset, amount),
      });
      return tradeAnswer(result);
    },
  });

export const handler = httpHandler(makeTransfersHandler(transferDeps));
