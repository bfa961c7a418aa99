import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { z } from 'zod';
import { randomIds, systemClock } from '#adapters/clock.ts';
import { canonicalJson, sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { storesFromEnv } from '#adapters/dynamodb/stores.ts';
import { contendedProblem, problemOf, WRITE_OUTCOMES } from '#app/outcomes.ts';
import { type TransferDeps, transfer } from '#app/transfer.ts';
import { formatMinor } from '#domain/money.ts';
import { type Asset, parseAssetAmount } from '#domain/wallet.ts';
import { parseWalletId } from '#domain/wallet-id.ts';
import { problemErrors } from '#http/middleware.ts';
import { logger } from '#http/observability.ts';
import { badRequest, HttpProblem, type HttpResult, jsonResult } from '#http/problem.ts';
import { idempotencyKey, parseJsonBody, parseWith } from '#http/request.ts';

const transferBody = z.strictObject({
  from: z.string(),
  to: z.string(),
  asset: z.enum(['money', 'points']),
  amount: z.union([z.number(), z.string()]),
  memo: z.string().max(500).optional(),
});

const amountJson = (asset: Asset, amount: bigint) =>
  asset === 'money' ? formatMinor(amount) : amount.toString();

/** POST /transfers: parse, one use case, answer. */
export function makeTransfersHandler(deps: () => TransferDeps) {
  return async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
    const body = parseWith(transferBody, parseJsonBody(event));
    const key = idempotencyKey(event);
    if (key === undefined)
      throw badRequest('missing-idempotency-key', 'POST /transfers needs an Idempotency-Key header.');
    const [from, to] = [parseWalletId(body.from), parseWalletId(body.to)];
    const amount = parseAssetAmount(body.asset, body.amount);
    const { asset, memo } = body;
    const payloadHash = sha256Hex(
      canonicalJson({ operation: 'transfer', from, to, asset, amount, memo: memo ?? null }),
    );
    const result = await transfer(deps(), {
      from,
      to,
      asset,
      amount,
      ...(memo === undefined ? {} : { memo }),
      idempotency: { key, payloadHash },
      respond: (transferId) => ({
        statusCode: 201,
        body:
          `{"transferId":${JSON.stringify(transferId)},"from":${JSON.stringify(from)},"to":${JSON.stringify(to)},` +
          `"asset":"${asset}","amount":${amountJson(asset, amount)},"status":"completed"}`,
      }),
    });
    switch (result.kind) {
      case 'recorded':
        return jsonResult(result.response.statusCode, result.response.body);
      case 'replayed':
        return jsonResult(result.response.statusCode, result.response.body, {
          'idempotent-replayed': 'true',
        });
      case 'rejected':
        // The outcomes table gives the status (insufficient_funds → 409), whatever the middleware's default.
        throw new HttpProblem(problemOf(result.error));
      case 'key-reused':
        throw new HttpProblem({
          ...WRITE_OUTCOMES['key-reused'],
          detail: 'This Idempotency-Key was already used with a different payload; nothing was changed.',
        });
      case 'contended':
        throw new HttpProblem(contendedProblem());
    }
  };
}

export const handler = middy(
  makeTransfersHandler(() => ({ store: storesFromEnv().events, clock: systemClock, ids: randomIds })),
)
  .use(injectLambdaContext(logger))
  .use(problemErrors(logger));
