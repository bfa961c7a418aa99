/** One hot wallet: independent producers depositing at once, as separate Lambdas would. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomIds, systemClock } from '#adapters/clock.ts';
import { createDocumentClient } from '#adapters/dynamodb/client.ts';
import { DynamoEventStore } from '#adapters/dynamodb/event-store.ts';
import { recordDeposit } from '#app/deposit.ts';
import { HeadCache } from '#app/head-cache.ts';
import { log } from './settings.ts';

/** How a hot-wallet round runs (all optional: separate producers on one wallet, no warm-up). */
export interface HotWalletOptions {
  /** Instruments each producer's client (the partition-limit simulation). */
  attach?: (client: DynamoDBDocumentClient) => void;
  /**
   * Deposits each producer makes before the clock starts (not counted): the producers have found
   * their lanes, so the figure is the steady state, not the first seconds all spent on lane 0.
   */
  warmUpPerProducer?: number;
  /**
   * The producers as requests to ONE process (the local runtime, a container): one client, store
   * and head cache, with group commit on or off (app/group-commit.ts). Unset: separate Lambdas.
   */
  oneProcess?: { groupCommit: boolean };
  /**
   * Each producer deposits to a wallet of its own (`<walletId>-<n>`): the same producers and
   * deposits with no contention at all, the store's own ceiling for this many writers.
   */
  spread?: boolean;
}

/** Independent producers on one wallet: each its own client and head cache, like separate Lambdas. */
export async function hotWallet(
  endpoint: string,
  table: string,
  walletId: string,
  producers: number,
  perProducer: number,
  options: HotWalletOptions = {},
) {
  const { attach, warmUpPerProducer = 0, oneProcess, spread = false } = options;
  /** Transactions sent once the clock runs, and their items: group commit's batches. */
  const transactions = { count: 0, items: 0, ms: 0 };
  let counting = false;
  const client = (): DynamoDBDocumentClient => {
    const made = createDocumentClient({ endpoint });
    attach?.(made);
    made.middlewareStack.add(
      (next, context) => async (args) => {
        if (!counting || context.commandName !== 'TransactWriteItemsCommand') return next(args);
        const startedMs = performance.now();
        try {
          return await next(args);
        } finally {
          transactions.count++;
          transactions.items += (args.input as { TransactItems?: unknown[] }).TransactItems?.length ?? 0;
          transactions.ms += performance.now() - startedMs;
        }
      },
      { step: 'initialize', name: 'hotWalletTransactions' },
    );
    return made;
  };
  const shared = oneProcess && {
    store: new DynamoEventStore(client(), table),
    heads: new HeadCache(),
    groupCommit: oneProcess.groupCommit,
  };
  let conflicts = 0;
  let failures = 0;
  const lanes = new Set<number>();
  let startMs = performance.now();
  let warm = 0;
  let allWarm: () => void = () => {};
  const warmedUp = new Promise<void>((resolve) => {
    allWarm = resolve;
  });
  await Promise.all(
    Array.from({ length: producers }, async (_, producer) => {
      const target = spread ? `${walletId}-${producer}` : walletId;
      const deps = {
        store: shared?.store ?? new DynamoEventStore(client(), table),
        clock: systemClock,
        ids: randomIds,
        heads: new HeadCache(),
        ...shared,
      };
      for (let i = 0; i < warmUpPerProducer; i++) {
        await recordDeposit(deps, {
          walletId: target,
          amountMinor: 1n,
          respond: () => ({ statusCode: 201, body: '{}' }),
        });
      }
      if (++warm === producers) {
        startMs = performance.now();
        counting = true;
        allWarm();
      }
      await warmedUp;
      for (let i = 0; i < perProducer; i++) {
        try {
          const result = await recordDeposit(deps, {
            walletId: target,
            amountMinor: 100n,
            respond: () => ({ statusCode: 201, body: '{}' }),
          });
          if (result.kind === 'recorded') {
            conflicts += result.conflicts;
            for (const event of result.events) lanes.add(event.lane);
          } else {
            failures++;
            log(`hot wallet: a deposit failed: ${JSON.stringify(result)}`);
          }
        } catch (error) {
          failures++;
          log(`hot wallet: a deposit failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }),
  );
  const deposits = producers * perProducer;
  return {
    deposits,
    depositsPerSecond: deposits / ((performance.now() - startMs) / 1000),
    conflictsPerDeposit: conflicts / deposits,
    failures,
    lanes: lanes.size,
    transactions: transactions.count,
    transactionItems: transactions.items,
    transactionMs: transactions.ms,
  };
}

export type HotRun = Awaited<ReturnType<typeof hotWallet>>;
/** Rounds of one shape as one run: total deposits over total time. */
export function combine(runs: HotRun[]): HotRun {
  const seconds = runs.reduce((sum, run) => sum + run.deposits / run.depositsPerSecond, 0);
  const deposits = runs.reduce((sum, run) => sum + run.deposits, 0);
  return {
    deposits,
    depositsPerSecond: deposits / seconds,
    conflictsPerDeposit:
      runs.reduce((sum, run) => sum + run.conflictsPerDeposit * run.deposits, 0) / deposits,
    failures: runs.reduce((sum, run) => sum + run.failures, 0),
    lanes: Math.max(...runs.map((run) => run.lanes)),
    transactions: runs.reduce((sum, run) => sum + run.transactions, 0),
    transactionItems: runs.reduce((sum, run) => sum + run.transactionItems, 0),
    transactionMs: runs.reduce((sum, run) => sum + run.transactionMs, 0),
  };
}
