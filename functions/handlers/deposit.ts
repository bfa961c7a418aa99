import { type DepositDeps, recordDeposit } from '#app/deposit.ts';
import { hashing } from '#composition/lambda.ts';
import { depositDeps } from '#composition/lazy-group.ts';
import { parseAmountMinor } from '#domain/money.ts';
import { parseWalletId } from '#domain/wallet-id.ts';
import { depositAnswer, depositBody, depositResponse } from '#http/deposit-json.ts';
import { httpHandler, httpRoute, walletInBody } from '#http/handler.ts';
import { requestIdempotency } from '#http/idempotency-scope.ts';
import { idempotencyKey, parseWith } from '#http/request.ts';
import { flushMetrics } from '#observability/metrics.ts';

/** `POST /deposit`: records a deposit, exactly once per Idempotency-Key (of this client). */
export const makeDepositHandler = (deps: () => DepositDeps, fingerprint = hashing.fingerprint) =>
  httpRoute({
    wallets: walletInBody('WalletID'),
    deps,
    run: async (request, deps) => {
      const body = parseWith(depositBody, request.json());
      const walletId = parseWalletId(body.WalletID);
      const amountMinor = parseAmountMinor(body.Amount);
      const key = idempotencyKey(request.event);
      const payloadHash = fingerprint({ operation: 'deposit', walletId, amountMinor });
      const idempotency =
        key === undefined
          ? {}
          : { idempotency: requestIdempotency(request.event, 'deposit', key, payloadHash) };
      const result = await recordDeposit(deps, {
        walletId,
        amountMinor,
        ...idempotency,
        respond: depositResponse,
      });
      return depositAnswer(walletId, result, key !== undefined);
    },
  });

export const handler = httpHandler(makeDepositHandler(depositDeps), { metrics: flushMetrics });
