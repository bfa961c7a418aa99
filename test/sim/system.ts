/**
 * Every call the simulation makes into functions/app (and the domain fold it compares with) is in
 * this file, so a refactoring of the use cases is adapted here and nowhere else in test/sim.
 */
import { canonicalJson, sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { ActiveRuleSets, RuleSetVersions } from '#app/active-rules.ts';
import type { CloudEvent } from '#app/cloud-event.ts';
import { correctAndShow } from '#app/corrections.ts';
import { type RetryPolicy, recordDeposit } from '#app/deposit.ts';
import { HeadCache } from '#app/head-cache.ts';
import { type HoldAction, holdAction } from '#app/holds.ts';
import { type KeyNamespace, type ScopedIdempotency, scopeIdempotency } from '#app/idempotency.ts';
import { type IngestDeps, ingestEvent } from '#app/ingest.ts';
import { ingestEvents } from '#app/ingest-batch.ts';
import { makeJobPageWork } from '#app/job-work.ts';
import { jobReport, PageNotReady, runJobPage, startJob } from '#app/jobs.ts';
import { acceptOffer, cancelOffer, openOffer } from '#app/offers.ts';
import { DOMAIN_ERROR_OUTCOMES } from '#app/outcomes.ts';
import { prefetchDoorbells } from '#app/projection-batch.ts';
import { replayWallet } from '#app/replay.ts';
import { type TransferDeps, type TransferInput, type TransferResult, transfer } from '#app/transfer.ts';
import { currentView, projectWallet, ViewCache } from '#app/wallet-projection.ts';
import { formatMinor } from '#domain/money.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import type { Asset, RecordedEvent } from '#domain/wallet.ts';
import { rebuildView, type WalletView } from '#domain/wallet-view.ts';
import type { Clock, IdGenerator } from '#ports/clock.ts';
import type { EventStore } from '#ports/event-store.ts';
import type { JobMessage, JobQueue, JobReport, JobStore } from '#ports/jobs.ts';
import type { ReadModelStore } from '#ports/read-models.ts';
import type { RuleSetStore } from '#ports/rule-sets.ts';
import { isInjected } from './faults.ts';
import { ingestAnswer } from './ingest-answer.ts';
import { processStores, TRADING_PROCESS } from './process-stores.ts';
import type { Rng } from './rng.ts';

export type { Asset, CloudEvent, RecordedEvent, ThresholdConfig, WalletView };

export interface SystemDeps {
  store: EventStore;
  readModels: ReadModelStore;
  ruleSets: RuleSetStore;
  jobs: JobStore;
  jobQueue: JobQueue;
  clock: Clock;
  /** The sim's generator for the retry loop's jitter and lane choice (never the global one). */
  rng: Rng;
  /** A planted transfer use case (test/sim/planted-transfer.ts) in place of the real one. */
  transfer?: (deps: TransferDeps, input: TransferInput) => Promise<TransferResult>;
  /**
   * Group commit on (app/group-commit*.ts): each API instance is a process of its own with its
   * own group queue (and state cache); trades run in one more. Off: every command commits alone.
   */
  groupCommit?: boolean;
}

/** What a client hears back from a deposit, as the HTTP handler would map it. */
export type DepositAnswer =
  | { kind: 'recorded'; body: string; eventIds: string[] }
  | { kind: 'replayed'; body: string }
  | { kind: 'key-reused' }
  | { kind: 'contended' };

export type IngestAnswer =
  | { kind: 'recorded'; points: bigint; eventIds: string[] }
  | { kind: 'duplicate' }
  | { kind: 'rejected'; code: string }
  | { kind: 'contended' };

/** A correction's answer; a standing one with the wallet's views it answers before and after (the route's). */
export type CorrectionAnswer =
  | { kind: 'corrected'; before: WalletView; after: WalletView; version: number }
  | { kind: 'unchanged'; before: WalletView; after: WalletView }
  | { kind: 'rejected'; code: string }
  | { kind: 'contended' };

/** A trading request as a client sends it (every one carries an Idempotency-Key). */
export type TradeRequest =
  | { op: 'transfer'; from: string; to: string; asset: Asset; amount: bigint }
  | { op: 'place-hold'; walletId: string; asset: Asset; amount: bigint; expiresInMs: number }
  /** `asset` is the hold's, as the client that placed it knows (a capture's amount is in it). */
  | { op: 'capture-hold'; walletId: string; holdId: string; asset: Asset; amount?: bigint; to?: string }
  | { op: 'release-hold'; walletId: string; holdId: string }
  | {
      op: 'open-offer';
      seller: string;
      asset: Asset;
      amount: bigint;
      price: { asset: Asset; amount: bigint };
      expiresInMs: number;
    }
  | { op: 'accept-offer'; offerId: string; buyer: string }
  | { op: 'cancel-offer'; offerId: string };

/** What a client hears back; a success's body names the transfer, hold or offer (`id`). */
export type TradeAnswer =
  | { kind: 'recorded'; body: string }
  | { kind: 'replayed'; body: string }
  | { kind: 'key-reused' }
  | { kind: 'rejected'; code: string }
  | { kind: 'contended' };

/** The request as canonical text (bigints as strings): its payload hash, and its answer's body. */
export const tradeText = (request: TradeRequest): string =>
  canonicalJson(JSON.parse(JSON.stringify(request, (_k, v) => (typeof v === 'bigint' ? `${v}` : v))));

/** The route a trading request goes to, whose namespace its key is scoped in (handlers/*.ts). */
const TRADE_NAMESPACES: Record<TradeRequest['op'], KeyNamespace> = {
  transfer: 'transfers',
  'place-hold': 'holds',
  'capture-hold': 'holds',
  'release-hold': 'holds',
  'open-offer': 'offers',
  'accept-offer': 'offers',
  'cancel-offer': 'offers',
};

/** The namespace a trading request's key lives in: one client key names one request per namespace. */
export const tradeNamespace = (request: TradeRequest): KeyNamespace => TRADE_NAMESPACES[request.op];

/**
 * A trading request's idempotency as the API builds it (http/idempotency-scope.ts
 * requestIdempotency, local runs with auth off: the owner `service`): the item under the route's
 * scoped key, with the client's key as reference and legacy key. So the writers take the path a
 * request through the API takes (holds and transfers send the wallet's state read with the
 * legacy key's look-up: exact-state.ts exactStateEarly).
 */
export const tradeIdempotency = (request: TradeRequest, key: string): ScopedIdempotency =>
  scopeIdempotency(
    { namespace: tradeNamespace(request), owner: 'service' },
    key,
    sha256Hex(`trade:${tradeText(request)}`),
  );

const tradeBody = (request: TradeRequest, id: string) =>
  `{"id":${JSON.stringify(id)},"request":${tradeText(request)}}`;

export interface CorrectionRequest {
  walletId: string;
  reference: string;
  action: 'void' | 'amend';
  amountMinor?: bigint;
  dataJson?: string;
}

/** The payload hash the deposit handler keys idempotency on (same fields, same hash). */
export const depositPayloadHash = (walletId: string, amountMinor: bigint): string =>
  sha256Hex(canonicalJson({ operation: 'deposit', walletId, amountMinor }));

/** The 201 body the deposit handler builds from the recorded event. */
function depositBody(event: RecordedEvent): string {
  if (event.type !== 'Deposited') throw new Error('a deposit decides exactly one Deposited event');
  return (
    `{"WalletID":${JSON.stringify(event.walletId)},"Amount":${formatMinor(event.data.amountMinor)},` +
    `"Lane":${event.lane},"Version":${event.version},"EventID":${JSON.stringify(event.eventId)}}`
  );
}

export interface System {
  config: ThresholdConfig;
  /**
   * A new Lambda instance in place of `instance` (an API instance, or TRADING_PROCESS): its head
   * and view caches, and with group commit its store handle (states, carries, queues), are gone.
   */
  coldStart(instance: number): void;
  deposit(
    instance: number,
    ids: IdGenerator,
    input: { walletId: string; amountMinor: bigint; key?: string },
  ): Promise<DepositAnswer>;
  ingest(instance: number, ids: IdGenerator, event: CloudEvent): Promise<IngestAnswer>;
  /** A queue batch through batch ingest (app/ingest-batch.ts): an answer per event, none when a fault failed it. */
  ingestBatch(
    instance: number,
    ids: IdGenerator,
    events: CloudEvent[],
  ): Promise<(IngestAnswer | undefined)[]>;
  correct(ids: IdGenerator, request: CorrectionRequest): Promise<CorrectionAnswer>;
  /** The projector Lambda `instance` handles one wallet's doorbells (the events that rang). */
  project(
    instance: number,
    walletId: string,
    records: readonly { lane: number; version: number }[],
  ): Promise<void>;
  replayWallet(walletId: string): Promise<void>;
  startReplayJob(ids: IdGenerator): Promise<string>;
  runJobPage(
    message: JobMessage,
    redelivered: boolean,
  ): Promise<'done' | 'duplicate' | 'not-found' | 'not-ready'>;
  jobReport(jobId: string): Promise<JobReport | undefined>;
  /** Transfers, holds and offers, through their use cases (an API instance is stateless for these). */
  trade(ids: IdGenerator, request: TradeRequest, key: string): Promise<TradeAnswer>;
  /** What a read answers: the stored view with the events the projector has not applied yet. */
  readView(walletId: string): Promise<WalletView>;
  /** The fold of a log from zero (the reference every view is compared with). */
  fold(walletId: string, events: readonly RecordedEvent[]): WalletView;
  /** The points the active rules give a fact (the default rules: the sim's oracle is checked against it too). */
}

export async function makeSystem(deps: SystemDeps): Promise<System> {
  const retry: RetryPolicy = {
    attemptsMax: 30,
    backoffBaseMs: 1,
    backoffCapMs: 20,
    sleep: async () => {},
    random: () => deps.rng.float(),
  };
  const rules = new ActiveRuleSets(deps.ruleSets, deps.clock, sha256Hex);
  const versions = new RuleSetVersions(deps.ruleSets, sha256Hex);
  const config = (await rules.current()).threshold;
  const storeOf = processStores(deps.store, deps.groupCommit ?? false);
  const heads = new Map<number, HeadCache>();
  const headsOf = (instance: number) => {
    const cache = heads.get(instance) ?? new HeadCache();
    heads.set(instance, cache);
    return cache;
  };
  const views = new Map<number, ViewCache>();
  const viewsOf = (instance: number) => {
    const cache = views.get(instance) ?? new ViewCache();
    views.set(instance, cache);
    return cache;
  };
  const ingestDeps = (instance: number, ids: IdGenerator): IngestDeps => ({
    store: storeOf(instance),
    clock: deps.clock,
    ids,
    retry,
    heads: headsOf(instance),
    rules,
    hash: sha256Hex,
    canonicalJson,
  });
  const jobDeps = (ids: IdGenerator) => ({
    store: deps.store,
    jobs: deps.jobs,
    queue: deps.jobQueue,
    clock: deps.clock,
    ids,
    work: async () => undefined,
    workPage: makeJobPageWork({
      events: deps.store,
      readModels: deps.readModels,
      ruleSets: versions,
      config: async () => config,
      hash: sha256Hex,
      clock: deps.clock,
      ids,
    }),
  });

  return {
    config,
    coldStart(instance) {
      heads.delete(instance);
      views.delete(instance);
      storeOf.coldStart(instance);
    },
    async deposit(instance, ids, input) {
      const result = await recordDeposit(
        { store: storeOf(instance), clock: deps.clock, ids, retry, heads: headsOf(instance) },
        {
          walletId: input.walletId,
          amountMinor: input.amountMinor,
          ...(input.key === undefined
            ? {}
            : {
                idempotency: {
                  key: input.key,
                  payloadHash: depositPayloadHash(input.walletId, input.amountMinor),
                },
              }),
          respond: (events) => ({ statusCode: 201, body: depositBody(events[0] as RecordedEvent) }),
        },
      );
      switch (result.kind) {
        case 'recorded':
          return {
            kind: 'recorded',
            body: result.response.body,
            eventIds: result.events.map((e) => e.eventId),
          };
        case 'replayed':
          return { kind: 'replayed', body: result.response.body };
        default:
          return { kind: result.kind };
      }
    },
    async ingest(instance, ids, event) {
      return ingestAnswer(await ingestEvent(ingestDeps(instance, ids), event));
    },
    async ingestBatch(instance, ids, events) {
      const results = await ingestEvents(
        ingestDeps(instance, ids),
        events.map((event) => ({ event })),
      );
      return results.map((result) => {
        if (result.ok) return ingestAnswer(result.outcome);
        // An injected fault is this event's failure (delivered again); anything else is a bug.
        if (!isInjected(result.error)) throw result.error;
        return undefined;
      });
    },
    async correct(ids, request) {
      const result = await correctAndShow(
        {
          store: deps.store,
          readModels: deps.readModels,
          config,
          ruleSets: versions,
          activeVersion: async () => 0,
          clock: deps.clock,
          ids,
        },
        {
          walletId: request.walletId,
          reference: request.reference,
          action: request.action,
          reason: 'sim',
          ...(request.action === 'amend'
            ? {
                amend: {
                  ...(request.amountMinor === undefined ? {} : { amountMinor: request.amountMinor }),
                  ...(request.dataJson === undefined ? {} : { dataJson: request.dataJson }),
                },
              }
            : {}),
        },
      );
      switch (result.kind) {
        case 'recorded':
          return {
            kind: 'corrected',
            before: result.before,
            after: result.after,
            version: result.correction.version,
          };
        case 'unchanged':
          return { kind: 'unchanged', before: result.before, after: result.after };
        case 'rejected':
          return { kind: 'rejected', code: DOMAIN_ERROR_OUTCOMES[result.error.code].code };
        case 'contended':
          return { kind: 'contended' };
      }
    },
    async project(instance, walletId, records) {
      // As the projector Lambda: the doorbells' events and an unknown view read by key first
      // (a failed read leaves the wallet to read for itself), then the fold.
      const views = viewsOf(instance);
      const rung = records.map(({ lane, version }) => ({ walletId, lane, version }));
      const prefetched = await prefetchDoorbells(deps.store, deps.readModels, rung, views);
      const lanes = [...new Set(records.map((record) => record.lane))];
      await projectWallet(
        deps.store,
        deps.readModels,
        walletId,
        config,
        lanes,
        views,
        undefined,
        prefetched.get(walletId),
      );
    },
    async replayWallet(walletId) {
      await replayWallet(deps.store, deps.readModels, walletId, config, { dryRun: false });
    },
    async startReplayJob(ids) {
      return (await startJob({ ...jobDeps(ids) }, { kind: 'replay', dryRun: false })).jobId;
    },
    async runJobPage(message, redelivered) {
      try {
        return await runJobPage(jobDeps({ newId: () => 'unused' }), message, redelivered);
      } catch (error) {
        if (error instanceof PageNotReady) return 'not-ready';
        throw error;
      }
    },
    async jobReport(jobId) {
      const state = await deps.jobs.get(jobId);
      return state === undefined ? undefined : jobReport(state.job, state.segments);
    },
    async trade(ids, request, key) {
      const idempotency = tradeIdempotency(request, key);
      const respond = (id: string) => ({ statusCode: 201, body: tradeBody(request, id) });
      const tradeDeps = { store: storeOf(TRADING_PROCESS), clock: deps.clock, ids, retry };
      const decimal = (asset: Asset, amount: bigint) =>
        asset === 'money' ? formatMinor(amount) : `${amount}`;
      let result: TransferResult | Awaited<ReturnType<typeof holdAction>>;
      switch (request.op) {
        case 'transfer': {
          const { from, to, asset, amount } = request;
          const input = { from, to, asset, amount, idempotency, respond };
          result = await (deps.transfer ?? transfer)(tradeDeps, input);
          break;
        }
        case 'place-hold':
        case 'capture-hold':
        case 'release-hold': {
          const { walletId } = request;
          let action: HoldAction;
          if (request.op === 'place-hold') {
            action = {
              kind: 'place',
              asset: request.asset,
              amount: request.amount,
              expiresInMs: request.expiresInMs,
            };
          } else if (request.op === 'release-hold') action = { kind: 'release', holdId: request.holdId };
          else {
            action = {
              kind: 'capture',
              holdId: request.holdId,
              ...(request.amount === undefined ? {} : { amount: decimal(request.asset, request.amount) }),
              ...(request.to === undefined ? {} : { to: request.to }),
            };
          }
          result = await holdAction(
            tradeDeps,
            { walletId, idempotency, respond: (_e, c) => respond(c.holdId) },
            action,
          );
          break;
        }
        case 'open-offer': {
          const { op: _op, ...offer } = request;
          result = await openOffer(tradeDeps, { ...offer, idempotency, respond: (o) => respond(o.offerId) });
          break;
        }
        case 'accept-offer':
          result = await acceptOffer(tradeDeps, {
            ...request,
            idempotency,
            respond: (o) => respond(o.offerId),
          });
          break;
        case 'cancel-offer':
          result = await cancelOffer(tradeDeps, {
            ...request,
            idempotency,
            respond: (o) => respond(o.offerId),
          });
          break;
      }
      switch (result.kind) {
        case 'recorded':
          return { kind: 'recorded', body: result.response.body };
        case 'replayed':
          return { kind: 'replayed', body: result.response.body };
        case 'rejected':
          return { kind: 'rejected', code: DOMAIN_ERROR_OUTCOMES[result.error.code].code };
        case 'unchanged':
          throw new Error('a trading command always decides events');
        default:
          return { kind: result.kind };
      }
    },
    readView(walletId) {
      return currentView(deps.store, deps.readModels, walletId, config);
    },
    fold(walletId, events) {
      return rebuildView(walletId, events, config);
    },
  };
}
