import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { z } from 'zod';
import { randomIds, systemClock } from '#adapters/clock.ts';
import { activeRulesFromEnv } from '#adapters/compose.ts';
import { type Stores, storesFromEnv } from '#adapters/dynamodb/stores.ts';
import { jobQueueFromEnv } from '#adapters/sqs/jobs-queue.ts';
import { replayLine } from '#app/job-work.ts';
import { startJob } from '#app/jobs.ts';
import { replayWallet } from '#app/replay.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import { parseWalletId } from '#domain/wallet-id.ts';
import { authorizeAdmin } from '#http/admin.ts';
import { jobReportResult, jobStarted } from '#http/jobs.ts';
import { problemErrors } from '#http/middleware.ts';
import { logger } from '#http/observability.ts';
import { HttpProblem, type HttpResult, jsonResult, walletNotFound } from '#http/problem.ts';
import { parseJsonBody, parseWith } from '#http/request.ts';
import { ENV } from '#lib/wiring.ts';
import type { Clock, IdGenerator } from '#ports/clock.ts';
import type { JobQueue } from '#ports/jobs.ts';

const replayBody = z.strictObject({
  walletId: z.string().optional(),
  fromVersion: z.number().int().min(1).optional(),
  dryRun: z.boolean().optional(),
});

/**
 * `POST /replay` (admin): rebuilds one wallet's read model from the event store and says what
 * changed, at once; without a wallet, starts a job over every wallet (202, followed at
 * `GET /replay/{jobId}`), which runs page by page on the jobs queue, past API Gateway's 30 s.
 */
export function makeReplayHandler(
  deps: () => Promise<{
    stores: Pick<Stores, 'events' | 'readModels' | 'snapshots' | 'jobs'>;
    config: ThresholdConfig;
    queue: () => JobQueue;
    clock: Clock;
    ids: IdGenerator;
    adminToken?: string;
  }>,
) {
  return async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
    const { stores, config, queue, clock, ids, adminToken } = await deps();
    authorizeAdmin(event, adminToken);
    if (event.requestContext.http.method === 'GET') {
      return jobReportResult(stores.jobs, 'replay', event.pathParameters?.jobId);
    }
    const body = parseWith(replayBody, event.body ? parseJsonBody(event) : {});
    const dryRun = body.dryRun === true;
    if (body.walletId === undefined) {
      if (body.fromVersion !== undefined) {
        throw new HttpProblem({
          status: 422,
          code: 'from-version-needs-wallet',
          title: 'Unprocessable request',
          detail: 'fromVersion is a version of one wallet: name the walletId too.',
        });
      }
      return jobStarted(
        await startJob({ jobs: stores.jobs, queue: queue(), clock, ids }, { kind: 'replay', dryRun }),
      );
    }
    const walletId = parseWalletId(body.walletId);
    const result = await replayWallet(stores.events, stores.readModels, walletId, config, {
      dryRun,
      snapshots: stores.snapshots,
      ...(body.fromVersion === undefined ? {} : { fromVersion: body.fromVersion }),
    });
    if (result === undefined) throw walletNotFound(walletId);
    return jsonResult(
      200,
      JSON.stringify({
        dryRun,
        ...replayLine(result),
        fromVersion: body.fromVersion ?? null,
        fromSnapshot: result.fromSnapshot,
      }),
    );
  };
}

export const handler = middy(
  makeReplayHandler(async () => ({
    stores: storesFromEnv(),
    config: (await activeRulesFromEnv().current()).threshold,
    queue: jobQueueFromEnv,
    clock: systemClock,
    ids: randomIds,
    adminToken: process.env[ENV.adminToken],
  })),
)
  .use(injectLambdaContext(logger))
  .use(problemErrors(logger));
