import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { activeRulesFromEnv } from '#adapters/compose.ts';
import { type Stores, storesFromEnv } from '#adapters/dynamodb/stores.ts';
import { currentView } from '#app/wallet-projection.ts';
import { formatMinor } from '#domain/money.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import { parseWalletId } from '#domain/wallet-id.ts';
import { aboveThreshold } from '#domain/wallet-view.ts';
import { problemErrors } from '#http/middleware.ts';
import { logger } from '#http/observability.ts';
import { type HttpResult, jsonResult, walletNotFound } from '#http/problem.ts';

/**
 * `GET /details/{wallet_id}` — the original wallet service's JSON, exactly:
 * `{"WalletID":…,"Balance":…,"AboveThreshold":…}`. Reads the projected view and folds in any
 * events the projector has not applied yet, so a read always reflects every acknowledged deposit.
 */
export function makeDetailsHandler(
  deps: () => Promise<{ stores: Pick<Stores, 'events' | 'readModels'>; config: ThresholdConfig }>,
) {
  return async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
    const walletId = parseWalletId(event.pathParameters?.wallet_id);
    const { stores, config } = await deps();
    const view = await currentView(stores.events, stores.readModels, walletId, config);
    if (view.eventCount === 0) throw walletNotFound(walletId, 'deposits');
    return jsonResult(
      200,
      `{"WalletID":${JSON.stringify(walletId)},"Balance":${formatMinor(view.balanceMinor)},"AboveThreshold":${aboveThreshold(view)}}`,
    );
  };
}

export const handler = middy(
  makeDetailsHandler(async () => ({
    stores: storesFromEnv(),
    config: (await activeRulesFromEnv().current()).threshold,
  })),
)
  .use(injectLambdaContext(logger))
  .use(problemErrors(logger));
