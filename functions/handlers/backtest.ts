import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { z } from 'zod';
import { randomIds, systemClock } from '#adapters/clock.ts';
import { ruleSetVersionsFromEnv } from '#adapters/compose.ts';
import { sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { type Stores, storesFromEnv } from '#adapters/dynamodb/stores.ts';
import { jobQueueFromEnv } from '#adapters/sqs/jobs-queue.ts';
import type { RuleSetVersions } from '#app/active-rules.ts';
import { type BacktestRange, backtestWallet, type Candidate, type WalletBacktest } from '#app/backtest.ts';
import { rfc3339Time } from '#app/cloud-event.ts';
import { backtestLine } from '#app/job-work.ts';
import { forEachLimited, startJob, WALLETS_IN_FLIGHT } from '#app/jobs.ts';
import { WALLET_ID_PATTERN } from '#domain/wallet-id.ts';
import { authorizeAdmin } from '#http/admin.ts';
import { jobReportResult, jobStarted } from '#http/jobs.ts';
import { problemErrors } from '#http/middleware.ts';
import { logger } from '#http/observability.ts';
import { HttpProblem, type HttpResult, jsonResult } from '#http/problem.ts';
import { parseJsonBody, parseWith } from '#http/request.ts';
import { invalidRules } from '#http/rules-problem.ts';
import { ENV } from '#lib/wiring.ts';
import type { Clock, IdGenerator } from '#ports/clock.ts';
import type { JobQueue } from '#ports/jobs.ts';
import { compileRuleSet } from '#rules/rule-set.ts';

/** Wallets one request may name; more (or none: every wallet) run as a job. */
export const BACKTEST_WALLETS_MAX = 100;

const backtestBody = z
  .strictObject({
    rules: z.string().min(1, 'must not be empty').max(200_000).optional(),
    ruleSetVersion: z.number().int().min(0).optional(),
    walletIds: z
      .array(z.string().regex(WALLET_ID_PATTERN, 'does not match the wallet id rule'))
      .min(1, 'must name at least one wallet (leave it out for every wallet)')
      .max(
        BACKTEST_WALLETS_MAX,
        `names at most ${BACKTEST_WALLETS_MAX} wallets (leave it out for a job over every wallet)`,
      )
      .optional(),
    from: rfc3339Time.optional(),
    to: rfc3339Time.optional(),
    apply: z.boolean().optional(),
  })
  .superRefine((body, ctx) => {
    if ((body.rules === undefined) === (body.ruleSetVersion === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['rules'],
        message: 'send exactly one of rules (text) and ruleSetVersion',
      });
    }
    if (body.apply === true && body.ruleSetVersion === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['apply'],
        message:
          'apply needs ruleSetVersion: publish the rule set first (PUT /rules), so every adjustment names a stored version',
      });
    }
    if (body.from !== undefined && body.to !== undefined && Date.parse(body.from) >= Date.parse(body.to)) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    }
  });

const unprocessable = (code: string, detail: string) =>
  new HttpProblem({ status: 422, code, title: 'Unprocessable request', detail });

/**
 * `POST /rules/backtest` (admin): replays stored facts through a candidate rule set (text, or a
 * published version) and reports, per wallet and in total, how the points would differ — a dry
 * run. With `apply` (a published version) the differences are appended as PointsAdjusted events;
 * applying twice changes nothing. Named wallets are answered at once; every wallet runs as a job
 * (202, `GET /rules/backtest/{jobId}`).
 */
export function makeBacktestHandler(
  deps: () => Promise<{
    stores: Pick<Stores, 'events' | 'jobs'>;
    ruleSets: RuleSetVersions;
    queue: () => JobQueue;
    clock: Clock;
    ids: IdGenerator;
    adminToken?: string;
  }>,
) {
  return async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
    const { stores, ruleSets, queue, clock, ids, adminToken } = await deps();
    authorizeAdmin(event, adminToken);
    if (event.requestContext.http.method === 'GET') {
      return jobReportResult(stores.jobs, 'backtest', event.pathParameters?.jobId);
    }
    const body = parseWith(backtestBody, parseJsonBody(event));
    const apply = body.apply === true;
    const range: BacktestRange = {
      ...(body.from === undefined ? {} : { fromMs: Date.parse(body.from) }),
      ...(body.to === undefined ? {} : { toMs: Date.parse(body.to) }),
    };

    let candidate: Candidate;
    if (body.ruleSetVersion !== undefined) {
      const ruleSet = await ruleSets.get(body.ruleSetVersion);
      if (ruleSet === undefined) {
        throw unprocessable(
          'rule-set-not-found',
          `Rule set version ${body.ruleSetVersion} is not published.`,
        );
      }
      candidate = { ruleSet, version: body.ruleSetVersion };
    } else {
      const compiled = compileRuleSet(body.rules ?? '', { hash: sha256Hex, source: 'candidate' });
      if (!compiled.ok) throw invalidRules(compiled.errors);
      candidate = { ruleSet: compiled.ruleSet, version: null };
    }

    if (body.walletIds === undefined) {
      const job = await startJob(
        { jobs: stores.jobs, queue: queue(), clock, ids },
        {
          kind: 'backtest',
          apply,
          ...(body.ruleSetVersion === undefined ? {} : { ruleSetVersion: body.ruleSetVersion }),
          ...(body.rules === undefined ? {} : { rulesText: body.rules }),
          ...range,
        },
      );
      return jobStarted(job);
    }

    const causeId = `backtest:${ids.newId()}`;
    const results: WalletBacktest[] = [];
    const unknownWallets: string[] = [];
    await forEachLimited([...new Set(body.walletIds)], WALLETS_IN_FLIGHT, async (walletId) => {
      const result = await backtestWallet(stores.events, walletId, candidate, range, {
        apply,
        causeId,
        clock,
        ids,
      });
      if (result === undefined) unknownWallets.push(walletId);
      else results.push(result);
    });
    results.sort((a, b) => (a.walletId < b.walletId ? -1 : a.walletId > b.walletId ? 1 : 0));
    const sum = (pick: (result: WalletBacktest) => bigint | number) =>
      results.reduce((total, result) => total + Number(pick(result)), 0);
    return jsonResult(
      200,
      JSON.stringify({
        dryRun: !apply,
        ruleSet: { textHash: candidate.ruleSet.textHash, version: candidate.version },
        from: body.from ?? null,
        to: body.to ?? null,
        wallets: results.map(backtestLine),
        unknownWallets: unknownWallets.sort(),
        totals: {
          wallets: results.length,
          facts: sum((result) => result.facts),
          walletsWithDifference: results.filter((result) => result.difference !== 0n).length,
          awardedPoints: sum((result) => result.awardedPoints),
          candidatePoints: sum((result) => result.candidatePoints),
          difference: sum((result) => result.difference),
          adjustmentsAppended: sum((result) => result.adjustmentsAppended),
        },
      }),
    );
  };
}

export const handler = middy(
  makeBacktestHandler(async () => ({
    stores: storesFromEnv(),
    ruleSets: ruleSetVersionsFromEnv(),
    queue: jobQueueFromEnv,
    clock: systemClock,
    ids: randomIds,
    adminToken: process.env[ENV.adminToken],
  })),
)
  .use(injectLambdaContext(logger))
  .use(problemErrors(logger));
