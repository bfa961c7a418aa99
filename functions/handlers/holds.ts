import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { z } from 'zod';
import { randomIds, systemClock } from '#adapters/clock.ts';
import { canonicalJson, sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { storesFromEnv } from '#adapters/dynamodb/stores.ts';
import { type HoldAction, type HoldDeps, holdAction } from '#app/holds.ts';
import { contendedProblem, problemOf, WRITE_OUTCOMES } from '#app/outcomes.ts';
import { formatMinor } from '#domain/money.ts';
import { type Asset, parseAssetAmount, type RecordedEvent } from '#domain/wallet.ts';
import { parseWalletId } from '#domain/wallet-id.ts';
import { problemErrors } from '#http/middleware.ts';
import { logger } from '#http/observability.ts';
import { badRequest, HttpProblem, type HttpResult, jsonResult } from '#http/problem.ts';
import { idempotencyKey, parseJsonBody, parseWith } from '#http/request.ts';

const DAY_SECONDS = 86_400;
const placeBody = z.strictObject({
  asset: z.enum(['money', 'points']),
  amount: z.union([z.number(), z.string()]),
  expiresInSeconds: z
    .number()
    .int()
    .min(1)
    .max(30 * DAY_SECONDS)
    .optional(),
  memo: z.string().max(500).optional(),
});
const captureBody = z.strictObject({
  amount: z.union([z.number(), z.string()]).optional(),
  to: z.string().optional(),
});

const amountJson = (asset: Asset, amount: bigint) =>
  asset === 'money' ? formatMinor(amount) : amount.toString();

/** The answer: what the hold's event says happened. */
function holdJson(walletId: string, event: RecordedEvent | undefined): string {
  const common = `"walletId":${JSON.stringify(walletId)}`;
  switch (event?.type) {
    case 'HoldPlaced': {
      const { holdId, asset, amount, expiresAtMs } = event.data;
      return `{"holdId":${JSON.stringify(holdId)},${common},"asset":"${asset}","amount":${amountJson(asset, amount)},"status":"active","expiresAt":"${new Date(expiresAtMs).toISOString()}"}`;
    }
    case 'HoldCaptured': {
      const { holdId, asset, amount, released, counterparty } = event.data;
      return `{"holdId":${JSON.stringify(holdId)},${common},"asset":"${asset}","amount":${amountJson(asset, amount)},"released":${amountJson(asset, released)},"status":"captured"${counterparty === undefined ? '' : `,"to":${JSON.stringify(counterparty)}`}}`;
    }
    case 'HoldReleased': {
      const { holdId, asset, amount } = event.data;
      return `{"holdId":${JSON.stringify(holdId)},${common},"asset":"${asset}","amount":${amountJson(asset, amount)},"status":"released"}`;
    }
    default:
      throw new Error('a hold command decides one hold event');
  }
}

/** The action a route and body ask for; amounts checked as transfers check them. */
function actionOf(event: APIGatewayProxyEventV2): HoldAction {
  const holdId = event.pathParameters?.hold_id;
  if (event.routeKey.endsWith('/holds')) {
    const body = parseWith(placeBody, parseJsonBody(event));
    return {
      kind: 'place',
      asset: body.asset,
      amount: parseAssetAmount(body.asset, body.amount),
      expiresInMs: (body.expiresInSeconds ?? DAY_SECONDS) * 1000,
      ...(body.memo === undefined ? {} : { memo: body.memo }),
    };
  }
  if (holdId === undefined || holdId === '') throw badRequest('invalid-hold-id', 'The path names no hold.');
  if (event.routeKey.endsWith('/release')) return { kind: 'release', holdId };
  const body = event.body ? parseWith(captureBody, parseJsonBody(event)) : {};
  return {
    kind: 'capture',
    holdId,
    // Parsed against the hold's asset, which only the wallet's state knows (see holds.ts).
    ...(body.amount === undefined ? {} : { amount: body.amount }),
    ...(body.to === undefined ? {} : { to: parseWalletId(body.to) }),
  };
}

/** POST /wallets/{id}/holds, …/holds/{holdId}/capture, …/release: parse, one use case, answer. */
export function makeHoldsHandler(deps: () => HoldDeps) {
  return async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
    const walletId = parseWalletId(event.pathParameters?.wallet_id);
    const action = actionOf(event);
    const key = idempotencyKey(event);
    if (key === undefined)
      throw badRequest('missing-idempotency-key', 'Holds need an Idempotency-Key header.');
    const payloadHash = sha256Hex(canonicalJson({ operation: `hold-${action.kind}`, walletId, ...action }));
    const result = await holdAction(
      deps(),
      {
        walletId,
        idempotency: { key, payloadHash },
        respond: (events) => ({
          statusCode: action.kind === 'place' ? 201 : 200,
          body: holdJson(walletId, events[0]),
        }),
      },
      action,
    );
    switch (result.kind) {
      case 'recorded':
        return jsonResult(result.response.statusCode, result.response.body);
      case 'replayed':
        return jsonResult(result.response.statusCode, result.response.body, {
          'idempotent-replayed': 'true',
        });
      case 'rejected':
        throw new HttpProblem(problemOf(result.error));
      case 'key-reused':
        throw new HttpProblem({
          ...WRITE_OUTCOMES['key-reused'],
          detail: 'This Idempotency-Key was already used with a different payload; nothing was changed.',
        });
      case 'unchanged':
      case 'contended':
        throw new HttpProblem(contendedProblem());
    }
  };
}

export const handler = middy(
  makeHoldsHandler(() => ({ store: storesFromEnv().events, clock: systemClock, ids: randomIds })),
)
  .use(injectLambdaContext(logger))
  .use(problemErrors(logger));
