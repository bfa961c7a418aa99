import { startJob, startRepublishJob } from '#app/jobs.ts';
import { replayOneWallet } from '#app/replay.ts';
import type { ThresholdSource } from '#app/wallet-projection.ts';
import { replayDeps } from '#composition/job-queue.ts';
import { adminToken } from '#composition/lambda.ts';
import { parseWalletId } from '#domain/wallet-id.ts';
import { authorizeAdmin } from '#http/admin.ts';
import { type HttpRequest, httpHandler, httpRoute } from '#http/handler.ts';
import { jobReportResult, jobStarted } from '#http/jobs.ts';
import { jsonResult, walletNotFound } from '#http/problem.ts';
import { problem } from '#http/problems.ts';
import { replayBody, replayReach } from '#http/replay-body.ts';
import { republishBody } from '#http/republish-body.ts';
import { parseWith } from '#http/request.ts';
import type { Clock, IdGenerator } from '#ports/clock.ts';
import type { EventStore } from '#ports/event-store.ts';
import type { JobQueue, JobStore } from '#ports/jobs.ts';
import type { ReadModelStore } from '#ports/read-models.ts';
import type { SnapshotStore } from '#ports/snapshots.ts';

export interface ReplayDeps {
  stores: { events: EventStore; readModels: ReadModelStore; snapshots: SnapshotStore; jobs: JobStore };
  /** Read by a one-wallet replay only (handed as how to read it: a job's report never reads it). */
  config: ThresholdSource;
  queue: () => JobQueue;
  clock: Clock;
  ids: IdGenerator;
}

const isPost = (request: HttpRequest) => request.method === 'POST';
const isRepublish = (request: HttpRequest) => request.event.routeKey.includes(' /republish');
const body = (request: HttpRequest) => (request.event.body ? request.json() : {});

/**
 * `POST /replay` (admin): rebuilds one wallet's read model from the event store and says what
 * changed, at once; without a wallet, starts a job over every wallet (202, followed at
 * `GET /replay/{jobId}`), which runs page by page on the jobs queue, past API Gateway's 30 s.
 * `POST /republish` (admin): starts a job that publishes again every event recorded in [from, to)
 * (202, followed at `GET /republish/{jobId}`), once the window is over.
 */
export const makeReplayHandler = (deps: () => Promise<ReplayDeps>, token = adminToken) =>
  httpRoute({
    admin: { token, authorize: authorizeAdmin },
    wallets: (request) => {
      if (!isPost(request)) return [];
      return isRepublish(request) ? 'every' : replayReach(body(request));
    },
    deps,
    run: async (request, { stores, config, queue, clock, ids }) => {
      const kind = isRepublish(request) ? 'republish' : 'replay';
      if (!isPost(request)) return jobReportResult(stores.jobs, kind, request.param('jobId'));
      const jobDeps = { jobs: stores.jobs, queue: queue(), clock, ids };
      if (kind === 'republish') {
        const { from, to } = parseWith(republishBody, body(request));
        const job = await startRepublishJob(jobDeps, { fromMs: Date.parse(from), toMs: Date.parse(to) });
        if (job !== 'not-over') return jobStarted(job);
        throw problem('window-not-over', `to (${to}) is in the future: re-publish a window that is over.`);
      }
      const { walletId: named, fromVersion, dryRun = false } = parseWith(replayBody, body(request));
      if (named === undefined) {
        if (fromVersion !== undefined) {
          throw problem(
            'from-version-needs-wallet',
            'fromVersion is a version of one wallet: name the walletId too.',
          );
        }
        return jobStarted(await startJob(jobDeps, { kind: 'replay', dryRun }));
      }
      const walletId = parseWalletId(named);
      const line = await replayOneWallet({ ...stores, config }, walletId, { dryRun, fromVersion });
      if (line === undefined) throw walletNotFound(walletId);
      return jsonResult(200, JSON.stringify(line));
    },
  });

export const handler = httpHandler(makeReplayHandler(replayDeps));
