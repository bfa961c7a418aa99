import type { RuleSetVersions } from '#app/active-rules.ts';
import { backtestNamedWallets } from '#app/backtest-wallets.ts';
import { backtestLine } from '#app/job-work.ts';
import { startJob } from '#app/jobs.ts';
import { backtestDeps } from '#composition/backtests.ts';
import { adminToken, hashing } from '#composition/lambda.ts';
import { authorizeAdmin } from '#http/admin.ts';
import { backtestBody, backtestReach, candidateOf } from '#http/backtest-body.ts';
import { httpHandler, httpRoute } from '#http/handler.ts';
import { jobReportResult, jobStarted } from '#http/jobs.ts';
import { jsonResult } from '#http/problem.ts';
import { parseWith } from '#http/request.ts';
import type { Clock, IdGenerator } from '#ports/clock.ts';
import type { EventStore } from '#ports/event-store.ts';
import type { JobQueue, JobStore } from '#ports/jobs.ts';

export { BACKTEST_WALLETS_MAX } from '#http/backtest-body.ts';

export interface BacktestDeps {
  stores: { events: EventStore; jobs: JobStore };
  ruleSets: RuleSetVersions;
  queue: () => JobQueue;
  clock: Clock;
  ids: IdGenerator;
}

/**
 * `POST /rules/backtest` (admin): replays stored facts through a candidate rule set and reports how
 * the points would differ (with `apply` and a published version, appends the differences). Named
 * wallets are answered at once; every wallet runs as a job (202, `GET /rules/backtest/{jobId}`).
 */
export const makeBacktestHandler = (deps: () => Promise<BacktestDeps>, token = adminToken) =>
  httpRoute({
    admin: { token, authorize: authorizeAdmin },
    // The body carries rule text of up to 200,000 characters.
    bodyBytesMax: 256 * 1024,
    wallets: (request) => (request.method === 'POST' ? backtestReach(request.json()) : []),
    deps,
    run: async (request, { stores, ruleSets, queue, clock, ids }) => {
      if (request.method !== 'POST') return jobReportResult(stores.jobs, 'backtest', request.param('jobId'));
      const body = parseWith(backtestBody, request.json());
      const apply = body.apply === true;
      const from = body.from === undefined ? {} : { fromMs: Date.parse(body.from) };
      const range = { ...from, ...(body.to === undefined ? {} : { toMs: Date.parse(body.to) }) };
      const candidate = await candidateOf(body, ruleSets, hashing.sha256Hex);
      if (body.walletIds === undefined) {
        const version = body.ruleSetVersion === undefined ? {} : { ruleSetVersion: body.ruleSetVersion };
        const text = body.rules === undefined ? {} : { rulesText: body.rules };
        const params = { kind: 'backtest', apply, ...version, ...text, ...range } as const;
        return jobStarted(await startJob({ jobs: stores.jobs, queue: queue(), clock, ids }, params));
      }
      const causeId = `backtest:${ids.newId()}`;
      const options = { apply, causeId, clock, ids };
      const report = await backtestNamedWallets(stores.events, body.walletIds, candidate, range, options);
      return jsonResult(
        200,
        JSON.stringify({
          dryRun: !apply,
          ruleSet: { textHash: candidate.ruleSet.textHash, version: candidate.version },
          from: body.from ?? null,
          to: body.to ?? null,
          wallets: report.results.map(backtestLine),
          unknownWallets: report.unknownWallets,
          totals: report.totals,
        }),
      );
    },
  });

export const handler = httpHandler(makeBacktestHandler(backtestDeps));
