import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { z } from 'zod';
import { randomIds, systemClock } from '#adapters/clock.ts';
import { canonicalJson, sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { storesFromEnv } from '#adapters/dynamodb/stores.ts';
import { type DepositDeps, recordDeposit } from '#app/deposit.ts';
import { formatMinor, parseAmountMinor } from '#domain/money.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import { parseWalletId } from '#domain/wallet-id.ts';
import { problemErrors } from '#http/middleware.ts';
import { logger, metrics } from '#http/observability.ts';
import { HttpProblem, type HttpResult, jsonResult } from '#http/problem.ts';
import { idempotencyKey, parseJsonBody, parseWith } from '#http/request.ts';

const depositBody = z.strictObject(
  {
    WalletID: z.string({
      error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string'),
    }),
    Amount: z.union([z.number(), z.string()], {
      error: (issue) =>
        issue.input === undefined ? 'is required' : 'must be a JSON number or a decimal string',
    }),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field(s) ${issue.keys.join(', ')}; expected WalletID and Amount`
        : 'must be a JSON object with WalletID and Amount',
  },
);

/** The 201 body: the original service's field style, amounts as exact JSON numbers. */
function depositResponse(event: RecordedEvent & { type: 'Deposited' }): { statusCode: number; body: string } {
  const body =
    `{"WalletID":${JSON.stringify(event.walletId)},"Amount":${formatMinor(event.data.amountMinor)},` +
    `"Lane":${event.lane},"Version":${event.version},"EventID":${JSON.stringify(event.eventId)},` +
    `"RecordedAt":${JSON.stringify(new Date(event.recordedAtMs).toISOString())}}`;
  return { statusCode: 201, body };
}

export function makeDepositHandler(deps: () => DepositDeps) {
  return async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
    const body = parseWith(depositBody, parseJsonBody(event));
    const walletId = parseWalletId(body.WalletID);
    const amountMinor = parseAmountMinor(body.Amount);
    const key = idempotencyKey(event);
    const payloadHash = sha256Hex(canonicalJson({ operation: 'deposit', walletId, amountMinor }));

    const result = await recordDeposit(deps(), {
      walletId,
      amountMinor,
      ...(key === undefined ? {} : { idempotency: { key, payloadHash } }),
      respond: (events) => {
        const [first] = events;
        if (first?.type !== 'Deposited') throw new Error('a deposit decides exactly one Deposited event');
        return depositResponse(first);
      },
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
        throw new HttpProblem({
          status: 422,
          code: 'idempotency-key-reused',
          title: 'Idempotency-Key reused',
          detail: 'This Idempotency-Key was already used with a different payload; nothing was changed.',
        });
      case 'contended':
        throw key === undefined
          ? new HttpProblem({
              status: 503,
              code: 'wallet-busy',
              title: 'Wallet busy',
              detail: `Other writers kept winning the race for this wallet (${result.conflicts} attempts); nothing was recorded. Retry.`,
              headers: { 'retry-after': '1' },
            })
          : new HttpProblem({
              status: 409,
              code: 'idempotency-key-in-flight',
              title: 'Request in flight',
              detail: 'A request with this Idempotency-Key is still being processed; retry shortly.',
              headers: { 'retry-after': '1' },
            });
    }
  };
}

export const handler = middy(
  makeDepositHandler(() => ({ store: storesFromEnv().events, clock: systemClock, ids: randomIds })),
)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(problemErrors(logger));
