import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import type { DomainError } from '#domain/errors.ts';
import { formatAssetAmount } from '#domain/money.ts';
import type { Asset } from '#domain/wallet.ts';
import type { StoredResponse } from '#ports/event-store.ts';
import { badRequest, type HttpResult, jsonResult } from './problem.ts';
import { CONTENDED_DETAIL, domainProblem, problem } from './problems.ts';
import { idempotencyKey } from './request.ts';

/** Shared by transfers, holds and offers: the asset names and how an amount may be written. */
export const assetField = z.enum(['money', 'points']);
export const amountField = z.union([z.number(), z.string()]);
export const DAY_SECONDS = 86_400;
export const expiresInSecondsField = z.optional(z.int().check(z.gte(1), z.lte(30 * DAY_SECONDS)));

/** Money as exact decimal JSON, points as a whole JSON number. */
export const amountJson = (asset: Asset, amount: bigint): string => formatAssetAmount(asset, amount);

/** Every trading write is keyed: a retried transfer must never move the money twice. */
export function requiredKey(event: APIGatewayProxyEventV2, detail: string): string {
  const key = idempotencyKey(event);
  if (key === undefined) throw badRequest('missing-idempotency-key', detail);
  return key;
}

type TradeResult =
  | { kind: 'recorded' | 'replayed'; response: StoredResponse }
  | { kind: 'rejected'; error: DomainError }
  | { kind: 'key-reused' | 'unchanged' | 'contended' };

/** A trading write's outcome as its answer: the stored response (again, marked replayed) or a problem. */
export function tradeAnswer(result: TradeResult): HttpResult {
  switch (result.kind) {
    case 'recorded':
      return jsonResult(result.response.statusCode, result.response.body);
    case 'replayed':
      return jsonResult(result.response.statusCode, result.response.body, { 'idempotent-replayed': 'true' });
    case 'rejected':
      throw domainProblem(result.error);
    case 'key-reused':
      throw problem(
        'idempotency-key-reused',
        'This Idempotency-Key was already used with a different payload; nothing was changed.',
      );
    case 'unchanged':
    case 'contended':
      throw problem('contended', CONTENDED_DETAIL);
  }
}
