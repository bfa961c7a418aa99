import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { type DepositDeps, recordDeposit } from '#app/deposit.ts';
import { depositDeps, hashing } from '#composition/lambda.ts';
import { parseAmountMinor } from '#domain/money.ts';
import { parseWalletId } from '#domain/wallet-id.ts';
import { depositBody, depositResponse } from '#http/deposit-json.ts';
import { httpHandler, httpRoute, stringField } from '#http/handler.ts';
import { jsonResult } from '#http/problem.ts';
import { problem } from '#http/problems.ts';
import { idempotencyKey, parseWith } from '#http/request.ts';
import { metrics } from '#observability/powertools.ts';

/** `POST /deposit`: records a deposit, exactly once per Idempotency-Key. */
export const makeDepositHandler = (deps: () => DepositDeps, fingerprint = hashing.fingerprint) =>
  httpRoute({
    wallets: (request) => [stringField(request.json(), 'WalletID') ?? ''].filter(Boolean),
    deps,
    run: async (request, deps) => {
      const body = parseWith(depositBody, request.json());
      const walletId = parseWalletId(body.WalletID);
      const amountMinor = parseAmountMinor(body.Amount);
      const key = idempotencyKey(request.event);
      const payloadHash = fingerprint({ operation: 'deposit', walletId, amountMinor });
      const idempotency = key === undefined ? {} : { idempotency: { key, payloadHash } };
      const result = await recordDeposit(deps, {
        walletId,
        amountMinor,
        ...idempotency,
        respond: depositResponse,
      });
      const location = { location: `/details/${encodeURIComponent(walletId)}` };
      switch (result.kind) {
        case 'recorded':
          metrics.addMetric('DepositsRecorded', MetricUnit.Count, 1);
          if (result.conflicts > 0) metrics.addMetric('VersionConflicts', MetricUnit.Count, result.conflicts);
          return jsonResult(result.response.statusCode, result.response.body, location);
        case 'replayed':
          return jsonResult(result.response.statusCode, result.response.body, {
            ...location,
            'idempotent-replayed': 'true',
          });
        case 'key-reused':
          throw problem(
            'idempotency-key-reused',
            'This Idempotency-Key was already used with a different payload; nothing was changed.',
          );
        case 'contended':
          throw key === undefined
            ? problem(
                'wallet-busy',
                `Other writers kept winning the race for this wallet (${result.conflicts} attempts); nothing was recorded. Retry.`,
              )
            : problem(
                'idempotency-key-in-flight',
                'A request with this Idempotency-Key is still being processed; retry shortly.',
              );
      }
    },
  });

export const handler = httpHandler(makeDepositHandler(depositDeps), { metrics: true });
