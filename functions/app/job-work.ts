import type { ThresholdConfig } from '#domain/threshold.ts';
import type { Clock, IdGenerator } from '#ports/clock.ts';
import type { EventStore } from '#ports/event-store.ts';
import type { BacktestJobParams, WalletJobParams } from '#ports/jobs.ts';
import type { ReadModelStore } from '#ports/read-models.ts';
import type { RuleSetVersions } from './active-rules.ts';
import { backtestWallet, type Candidate, type WalletBacktest } from './backtest.ts';
import { forEachLimited, type JobDeps, WALLETS_IN_FLIGHT, type WalletOutcome } from './jobs.ts';
import { replayLine, replayWallet, replayWallets, type WalletReplay } from './replay.ts';

export interface JobWorkDeps {
  events: EventStore;
  readModels: ReadModelStore;
  ruleSets: Pick<RuleSetVersions, 'get'>;
  /** The threshold rule in force (replays fold under it). */
  config: () => Promise<ThresholdConfig>;
  hash: (text: string) => string;
  clock: Clock;
  ids: IdGenerator;
}

/** A backtested wallet as a job's report and `POST /rules/backtest` show it. */
export const backtestLine = (result: WalletBacktest) => ({
  walletId: result.walletId,
  facts: result.facts,
  awardedPoints: Number(result.awardedPoints),
  candidatePoints: Number(result.candidatePoints),
  difference: Number(result.difference),
  adjustmentsAppended: result.adjustmentsAppended,
  ...(result.ruleErrors > 0 ? { ruleErrors: result.ruleErrors, firstRuleError: result.firstRuleError } : {}),
  ...(result.applyRefused === undefined ? {} : { applyRefused: result.applyRefused }),
});

/** Resolves a backtest's candidate rule set: a published version, or text compiled here. */
export async function candidateOf(
  params: Pick<BacktestJobParams, 'ruleSetVersion' | 'rulesText'>,
  ruleSets: Pick<RuleSetVersions, 'get'>,
  hash: (text: string) => string,
): Promise<Candidate | undefined> {
  if (params.ruleSetVersion !== undefined) {
    const ruleSet = await ruleSets.get(params.ruleSetVersion);
    return ruleSet === undefined ? undefined : { ruleSet, version: params.ruleSetVersion };
  }
  if (params.rulesText === undefined) return undefined;
  // A candidate text is read with the full reader (YAML parser), loaded only for such a job.
  const { compileRuleSet } = await import('#rules/rule-set.ts');
  const compiled = compileRuleSet(params.rulesText, { hash, source: 'candidate' });
  return compiled.ok ? { ruleSet: compiled.ruleSet, version: null } : undefined;
}

/** What a job does for one wallet, by kind. Candidates are compiled once per job per instance. */
const replayOutcome = (result: WalletReplay | undefined): WalletOutcome | undefined =>
  result === undefined
    ? undefined
    : {
        counters: {
          wallets: 1,
          events: result.events,
          changed: result.changed ? 1 : 0,
          written: result.written ? 1 : 0,
        },
        ...(result.changed ? { change: replayLine(result) } : {}),
      };

/**
 * What a job does for a page of wallets: a replay replays them together (replayWallets: their
 * views read in one request and written in one), a backtest wallet by wallet.
 */
export function makeJobPageWork(deps: JobWorkDeps): NonNullable<JobDeps['workPage']> {
  const work = makeJobWork(deps);
  return async (params, walletIds, jobId) => {
    if (params.kind === 'replay') {
      const results = await replayWallets(deps.events, deps.readModels, walletIds, await deps.config(), {
        dryRun: params.dryRun,
      });
      return results.map(replayOutcome);
    }
    const outcomes: (WalletOutcome | undefined)[] = new Array(walletIds.length);
    await forEachLimited([...walletIds.keys()], WALLETS_IN_FLIGHT, async (index) => {
      outcomes[index] = await work(params, walletIds[index] as string, jobId);
    });
    return outcomes;
  };
}

/**
 * What a page reads whatever its wallets, started early (JobDeps.prefetch): a replay's threshold.
 * Its answer is kept by `config` (ActiveThresholds, within its refresh), which the page's work then
 * asks for; a failure here is the work's to meet when it asks again.
 */
export function makeJobPrefetch(deps: Pick<JobWorkDeps, 'config'>): NonNullable<JobDeps['prefetch']> {
  return (kind) =>
    kind === 'replay'
      ? deps.config().then(
          () => undefined,
          () => undefined,
        )
      : undefined;
}

export function makeJobWork(deps: JobWorkDeps) {
  const candidates = new Map<string, Promise<Candidate | undefined>>();
  return async (
    params: WalletJobParams,
    walletId: string,
    jobId = '',
  ): Promise<WalletOutcome | undefined> => {
    if (params.kind === 'replay') {
      return replayOutcome(
        await replayWallet(deps.events, deps.readModels, walletId, await deps.config(), {
          dryRun: params.dryRun,
        }),
      );
    }
    const key = `${jobId}:${params.ruleSetVersion ?? ''}:${params.rulesText === undefined ? '' : deps.hash(params.rulesText)}`;
    let candidate = candidates.get(key);
    if (candidate === undefined) {
      candidate = candidateOf(params, deps.ruleSets, deps.hash);
      candidates.set(key, candidate);
    }
    const resolved = await candidate;
    if (resolved === undefined) throw new Error(`backtest job: its rule set is not available`);
    const result = await backtestWallet(
      deps.events,
      walletId,
      resolved,
      {
        ...(params.fromMs === undefined ? {} : { fromMs: params.fromMs }),
        ...(params.toMs === undefined ? {} : { toMs: params.toMs }),
      },
      { apply: params.apply, causeId: `backtest:${jobId}`, clock: deps.clock, ids: deps.ids },
    );
    if (result === undefined) return undefined;
    const differs =
      result.difference !== 0n ||
      result.adjustmentsAppended > 0 ||
      result.ruleErrors > 0 ||
      result.applyRefused !== undefined;
    return {
      counters: {
        wallets: 1,
        facts: result.facts,
        walletsWithDifference: result.difference === 0n ? 0 : 1,
        awardedPoints: result.awardedPoints,
        candidatePoints: result.candidatePoints,
        adjustmentsAppended: result.adjustmentsAppended,
        ruleErrors: result.ruleErrors,
      },
      ...(differs ? { change: backtestLine(result) } : {}),
    };
  };
}
