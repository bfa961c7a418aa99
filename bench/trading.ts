/**
 * `npm run bench:trading [-- --quick] [-- --json <file>] [-- --only hot]` — transfers by 32 concurrent clients,
 * ours (event-sourced: both wallets' lane-0 events and the idempotency record in one
 * TransactWriteItems, decided against exact state, optimistic retry) against a traditional
 * baseline written here (one balance item per wallet and asset, conditional UpdateItems inside
 * TransactWriteItems: the lock-style design the paper argues against), over a few hot wallets and
 * over many cold ones, in one process against one DynamoDB Local. Ours runs with group commit
 * (app/group-commit-two.ts: one process, so concurrent transfers share transactions) and, in the
 * same run, without it (`…Before`). `callsPerTransfer` says where a hot transfer's cost goes: the
 * DynamoDB requests per transfer answered, by command (call-counter.ts). Ours and the baseline
 * on hot wallets run back to back, so both meet the same load; `--only hot` runs just those two.
 *
 * Offer accepts are not in the mix yet (they are the same two-wallet transaction with two more
 * events); see /work/notes/trading.md.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoEventStore } from '#adapters/dynamodb/event-store.ts';
import { startDynamoDbLocal } from '#adapters/local/dynamodb-local.ts';
import { enableGroupCommit } from '#app/group-commit.ts';
import { twoGroupStats } from '#app/group-commit-two.ts';
import { readWallet } from '#app/read-events.ts';
import { transfer } from '#app/transfer.ts';
import { foldWallet, initialWalletState } from '#domain/wallet.ts';
import { ensureTable } from '#local/table.ts';
import { CallCounter } from './call-counter.ts';
import { prng } from './prng.ts';
import { localClients, printTable } from './support.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
    // `--only hot`: the hot scenarios alone (ours with group commit, and the baseline), for profiling.
    only: { type: 'string' },
  },
  allowPositionals: false,
});
const CLIENTS = 32;
const OPS = args.quick === true ? 600 : 2_000;
const START_MINOR = 100_000n; // each wallet starts with 1,000.00
const AMOUNT_MAX = 5_000; // up to 50.00 a transfer: hot wallets run short now and then

const ddb = await startDynamoDbLocal({ inMemory: true, tuning: 'throughput' });
const { raw, documents } = localClients(ddb.endpoint);
const calls = new CallCounter();
calls.attach(documents);

interface Outcome {
  ok: number;
  refused: number;
  failed: number;
  latencies: number[];
  seconds: number;
}

/** Runs OPS transfers among `wallets` with CLIENTS concurrent clients; `one` answers ok/refused/failed. */
async function drive(
  wallets: readonly string[],
  one: (from: string, to: string, amount: bigint) => Promise<'ok' | 'refused' | 'failed'>,
) {
  const random = prng(7);
  const ops = Array.from({ length: OPS }, () => {
    const from = wallets[Math.floor(random() * wallets.length)] as string;
    let to = wallets[Math.floor(random() * wallets.length)] as string;
    if (to === from) to = wallets[(wallets.indexOf(from) + 1) % wallets.length] as string;
    return { from, to, amount: BigInt(1 + Math.floor(random() * AMOUNT_MAX)) };
  });
  const outcome: Outcome = { ok: 0, refused: 0, failed: 0, latencies: [], seconds: 0 };
  let next = 0;
  calls.reset();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (let index = next++; index < ops.length; index = next++) {
        const op = ops[index] as (typeof ops)[number];
        const t0 = performance.now();
        const result = await one(op.from, op.to, op.amount).catch(() => 'failed' as const);
        outcome.latencies.push(performance.now() - t0);
        outcome[result]++;
      }
    }),
  );
  outcome.seconds = (performance.now() - started) / 1000;
  return { ...outcome, calls: calls.perOperation(outcome.ok + outcome.refused) };
}

async function ours(table: string, wallets: readonly string[], groupCommit = true) {
  await ensureTable(raw, table);
  const store = new DynamoEventStore(documents, table);
  // One process: concurrent transfers whose wallets are in a transaction wait and commit together
  // (app/group-commit-two.ts). Off: each transfer alone, optimistic retry (the figures before).
  if (groupCommit) enableGroupCommit(store);
  for (const walletId of wallets) {
    await store.append({
      walletId,
      lane: 0,
      expected: { version: 0, hash: '' },
      events: [
        {
          type: 'Deposited',
          data: { amountMinor: START_MINOR, occurredAtMs: 0 },
          eventId: `seed-${walletId}`,
          recordedAtMs: 0,
        },
      ],
    });
  }
  let ids = 0;
  const deps = { store, clock: { nowMs: () => Date.now() }, ids: { newId: () => `${table}-${++ids}` } };
  const outcome = await drive(wallets, async (from, to, amount) => {
    const result = await transfer(deps, {
      from,
      to,
      asset: 'money',
      amount,
      idempotency: { key: `${table}-key-${++ids}`, payloadHash: 'bench' },
      respond: () => ({ statusCode: 201, body: '{}' }),
    });
    return result.kind === 'recorded' ? 'ok' : result.kind === 'rejected' ? 'refused' : 'failed';
  });
  const balances = await Promise.all(
    wallets.map(
      async (walletId) =>
        foldWallet(await readWallet(store, walletId), initialWalletState()).balances.money.balance,
    ),
  );
  return { outcome, balances };
}

async function baseline(table: string, wallets: readonly string[]) {
  await ensureTable(raw, table);
  const key = (walletId: string) => ({ pk: `BAL#${walletId}`, sk: 'money' });
  for (const walletId of wallets) {
    await documents.send(
      new PutCommand({ TableName: table, Item: { ...key(walletId), balance: START_MINOR } }),
    );
  }
  const random = prng(11);
  const outcome = await drive(wallets, async (from, to, amount) => {
    // The lock-style transfer: debit under a condition and credit, in one transaction; a
    // transaction conflict (another transfer on the same item) is retried, bounded, as ours is.
    for (let attempt = 0; attempt < 40; attempt++) {
      try {
        await documents.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: table,
                  Key: key(from),
                  UpdateExpression: 'SET balance = balance - :amount',
                  ConditionExpression: 'balance >= :amount',
                  ExpressionAttributeValues: { ':amount': amount },
                },
              },
              {
                Update: {
                  TableName: table,
                  Key: key(to),
                  UpdateExpression: 'ADD balance :amount',
                  ExpressionAttributeValues: { ':amount': amount },
                },
              },
            ],
          }),
        );
        return 'ok';
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) return 'failed';
        if (error.CancellationReasons?.some((reason) => reason.Code === 'ConditionalCheckFailed'))
          return 'refused';
        await new Promise((resolve) => setTimeout(resolve, random() * Math.min(250, 5 * 2 ** attempt)));
      }
    }
    return 'failed';
  });
  const balances = await Promise.all(
    wallets.map(async (walletId) => {
      const item = await documents.send(
        new GetCommand({ TableName: table, Key: key(walletId), ConsistentRead: true }),
      );
      return BigInt(String(item.Item?.balance ?? 0));
    }),
  );
  return { outcome, balances };
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return (
    Math.round((sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0) * 10) / 10
  );
};
const rate = (outcome: Outcome) => Math.round(outcome.ok / outcome.seconds);
const checks = (balances: bigint[], wallets: readonly string[]) => ({
  overdrafts: balances.filter((balance) => balance < 0n).length,
  conservationViolations:
    balances.reduce((sum, balance) => sum + balance, 0n) === START_MINOR * BigInt(wallets.length) ? 0 : 1,
});

const hot = ['hot-1', 'hot-2', 'hot-3', 'hot-4'];
const cold = Array.from({ length: 500 }, (_, index) => `cold-${index}`);
const hotOurs = await ours('bench-trading-hot', hot);
const hotBase = await baseline('bench-trading-hot-baseline', hot);
if (args.only === 'hot') {
  const ratio = Math.round((rate(hotOurs.outcome) / rate(hotBase.outcome)) * 100) / 100;
  const profile = {
    tradesPerSecond: rate(hotOurs.outcome),
    baselineTradesPerSecond: rate(hotBase.outcome),
    hotTradingRatio: ratio,
    groupCommit: { ...twoGroupStats },
    callsPerTransfer: { ours: hotOurs.outcome.calls, baseline: hotBase.outcome.calls },
    ...checks(hotOurs.balances, hot),
    failedRequests: hotOurs.outcome.failed,
  };
  await ddb.stop();
  process.stdout.write(`${JSON.stringify(profile, null, 2)}\n`);
  if (args.json !== undefined) await writeFile(args.json, `${JSON.stringify(profile, null, 2)}\n`);
  process.exit(0);
}
const hotAlone = await ours('bench-trading-hot-alone', hot, false);
const coldOurs = await ours('bench-trading-cold', cold);
const coldAlone = await ours('bench-trading-cold-alone', cold, false);
const coldBase = await baseline('bench-trading-cold-baseline', cold);
await ddb.stop();

const oursChecks = [
  checks(hotOurs.balances, hot),
  checks(coldOurs.balances, cold),
  checks(hotAlone.balances, hot),
  checks(coldAlone.balances, cold),
];
const baseChecks = [checks(hotBase.balances, hot), checks(coldBase.balances, cold)];
const result = {
  clients: CLIENTS,
  transfersPerScenario: OPS,
  tradesPerSecond: rate(hotOurs.outcome),
  baselineTradesPerSecond: rate(hotBase.outcome),
  hotTradingRatio: Math.round((rate(hotOurs.outcome) / rate(hotBase.outcome)) * 100) / 100,
  coldTradesPerSecond: rate(coldOurs.outcome),
  coldBaselineTradesPerSecond: rate(coldBase.outcome),
  coldTradingRatio: Math.round((rate(coldOurs.outcome) / rate(coldBase.outcome)) * 100) / 100,
  // The same run without group commit (each transfer alone, as before it): the baseline for it.
  tradesPerSecondBefore: rate(hotAlone.outcome),
  hotTradingRatioBefore: Math.round((rate(hotAlone.outcome) / rate(hotBase.outcome)) * 100) / 100,
  coldTradesPerSecondBefore: rate(coldAlone.outcome),
  coldTradingRatioBefore: Math.round((rate(coldAlone.outcome) / rate(coldBase.outcome)) * 100) / 100,
  latencyMsBefore: {
    p50: percentile(hotAlone.outcome.latencies, 50),
    p99: percentile(hotAlone.outcome.latencies, 99),
  },
  groupCommit: { ...twoGroupStats },
  // DynamoDB requests per transfer answered on the hot wallets, by command (bench/call-counter.ts).
  callsPerTransfer: { ours: hotOurs.outcome.calls, baseline: hotBase.outcome.calls },
  latencyMs: {
    ours: { p50: percentile(hotOurs.outcome.latencies, 50), p99: percentile(hotOurs.outcome.latencies, 99) },
    baseline: {
      p50: percentile(hotBase.outcome.latencies, 50),
      p99: percentile(hotBase.outcome.latencies, 99),
    },
  },
  // Transactional writes cost 2 WCU per item (≤ 1 KB): ours writes 2 events + the key, the baseline 2 balance items.
  writeUnitsPerTransfer: { ours: 6, baseline: 4 },
  refused: {
    ours: hotOurs.outcome.refused + coldOurs.outcome.refused,
    baseline: hotBase.outcome.refused + coldBase.outcome.refused,
  },
  overdrafts: oursChecks.reduce((sum, c) => sum + c.overdrafts, 0),
  conservationViolations: oursChecks.reduce((sum, c) => sum + c.conservationViolations, 0),
  failedRequests: hotOurs.outcome.failed + coldOurs.outcome.failed,
  failedRequestsBefore: hotAlone.outcome.failed + coldAlone.outcome.failed,
  baselineOverdrafts: baseChecks.reduce((sum, c) => sum + c.overdrafts, 0),
  baselineFailedRequests: hotBase.outcome.failed + coldBase.outcome.failed,
};
printTable(
  ['scenario', 'ours /s', 'baseline /s', 'ratio', 'ours p50/p99 ms', 'baseline p50/p99 ms'],
  [
    [
      'hot (4 wallets)',
      String(result.tradesPerSecond),
      String(result.baselineTradesPerSecond),
      String(result.hotTradingRatio),
      `${result.latencyMs.ours.p50}/${result.latencyMs.ours.p99}`,
      `${result.latencyMs.baseline.p50}/${result.latencyMs.baseline.p99}`,
    ],
    [
      'cold (500 wallets)',
      String(result.coldTradesPerSecond),
      String(result.coldBaselineTradesPerSecond),
      String(result.coldTradingRatio),
      '',
      '',
    ],
  ],
);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
if (args.json !== undefined) await writeFile(args.json, `${JSON.stringify(result, null, 2)}\n`);
