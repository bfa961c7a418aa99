/**
 * `npm run bench [-- --json <file>] [-- --quick]` — prints the wallet slice's figures:
 * write units and requests per deposit over the whole path (HTTP → event store → stream →
 * projector), beside a Powertools-idempotency baseline measured in the same run; projection lag;
 * one hot wallet with 16 independent producers against one producer.
 *
 * The pieces: run/settings.ts (sizes, the meter), run/wallet-path.ts (HTTP path and baseline),
 * run/hot-wallet.ts, run/ingest.ts; rules.ts measures the rule engine.
 */
import { writeFile } from 'node:fs/promises';
import { startDynamoDbLocal } from '#adapters/local/dynamodb-local.ts';
import { benchRules } from './rules.ts';
import { awsHotWallet } from './run/aws-hot-wallet.ts';
import { hotWalletFigures } from './run/hot-wallet-figures.ts';
import { ingestRate } from './run/ingest.ts';
import { rawBatchWriteRate } from './run/raw-batch.ts';
import {
  AWS_PARTITION_UNITS,
  args,
  DEPOSITS,
  HOT_PRODUCERS,
  HTTP_CONCURRENCY,
  INGEST_EVENTS,
  LAG_RATE,
  log,
  QUICK,
  RAW_EVENTS,
  WALLETS,
} from './run/settings.ts';
import { baselinePath, walletPath } from './run/wallet-path.ts';

const fmt = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

// Rules first, in a fresh heap and with both cores to itself: it measures CPU, not I/O.
log('rules: our engine, json-rules-engine and a hand-written closure on the same rules and facts…');
const rules = await benchRules({ quick: QUICK });

/**
 * One phase on a DynamoDB Local of its own. The emulator keeps every table's stream records in one
 * JVM and slows as they pile up (found for the cards bench: bench/cards.ts), so a phase run after
 * another on the same emulator was charged for the other's records — the hot-wallet shapes after
 * the 10,000-deposit wallet path, the raw BatchWriteItem after both ingest runs.
 */
async function onFreshEmulator<T>(phase: (endpoint: string) => Promise<T>): Promise<T> {
  const fresh = await startDynamoDbLocal({ inMemory: true, log, tuning: 'throughput' });
  try {
    return await phase(fresh.endpoint);
  } finally {
    await fresh.stop();
  }
}

const ddb = await startDynamoDbLocal({ inMemory: true, log, tuning: 'throughput' });
try {
  log(`DynamoDB Local on ${ddb.endpoint}; ${DEPOSITS} deposits over HTTP to ${WALLETS} wallets…`);
  const wallet = await walletPath(ddb.endpoint);
  log('baseline…');
  const baselineWrite = await baselinePath(ddb.endpoint);
  const baselineWriteUnitsPerDeposit =
    baselineWrite.writeUnitsPerDeposit + wallet.projectionWriteUnitsPerDeposit;

  log('hot wallet…');
  const hot = await onFreshEmulator(hotWalletFigures);
  const { single, many, spread, processOn, processOff, rawPut } = hot;

  log('ingest through the local SQS, batch size 10 and 1…');
  const ingestBatch10 = await onFreshEmulator((endpoint) => ingestRate(endpoint, 10, INGEST_EVENTS));
  const ingestBatch1 = await onFreshEmulator((endpoint) => ingestRate(endpoint, 1, INGEST_EVENTS));

  log('raw BatchWriteItem rate of event items…');
  const rawBatchWrite = await onFreshEmulator((endpoint) => rawBatchWriteRate(endpoint, RAW_EVENTS));
  const ingestVsBatchWriteRatio = ingestBatch10 / rawBatchWrite;

  log('hot wallet under simulated AWS partition limits…');
  const aws = await onFreshEmulator(awsHotWallet);

  const { hotWalletRatio } = hot.figures;

  const rows: [string, string, string, string][] = [
    [
      'write units / deposit (whole path)',
      fmt(wallet.writeUnitsPerDeposit),
      '≤ 5 and < baseline',
      `baseline ${fmt(baselineWriteUnitsPerDeposit)} (ratio ${fmt(wallet.writeUnitsPerDeposit / baselineWriteUnitsPerDeposit)})`,
    ],
    ['  of which projections', fmt(wallet.projectionWriteUnitsPerDeposit), '≤ 1', ''],
    [
      'DynamoDB requests / deposit',
      fmt(wallet.requestsPerDeposit),
      '',
      `baseline write path ${fmt(baselineWrite.requestsPerDeposit)} + projections`,
    ],
    ['read units / deposit', fmt(wallet.readUnitsPerDeposit), '', ''],
    ['deposits/s over HTTP (concurrency 4)', fmt(wallet.depositsPerSecond, 0), '', ''],
    [
      'projection lag p50 (ms)',
      fmt(wallet.projectionLagP50Ms, 1),
      '',
      `${wallet.lagSamples} of ${wallet.deposits} deposits`,
    ],
    ['projection lag p99 (ms)', fmt(wallet.projectionLagP99Ms, 1), '≤ 250', `at ${LAG_RATE} deposits/s`],
    [
      '  at saturation: p50 / p99 (ms)',
      `${fmt(wallet.saturatedLagP50Ms, 0)} / ${fmt(wallet.saturatedLagP99Ms, 0)}`,
      'p99 ≤ 100',
      `during the write-unit run, concurrency ${HTTP_CONCURRENCY}`,
    ],
    ['hot wallet: 1 producer deposits/s', fmt(single.depositsPerSecond, 0), '', ''],
    [
      `hot wallet: ${HOT_PRODUCERS} producers deposits/s`,
      fmt(many.depositsPerSecond, 0),
      '',
      `${many.lanes} lanes used`,
    ],
    ['hot wallet ratio (16 ÷ 1)', fmt(hotWalletRatio), '≥ 2', 'separate producers (Lambdas), fresh'],
    [
      `  ${HOT_PRODUCERS} producers on ${HOT_PRODUCERS} wallets ÷ 1`,
      fmt(hot.figures.hotWalletSpreadRatio),
      '',
      `${fmt(spread.depositsPerSecond, 0)} deposits/s, no contention; hot ÷ spread ${fmt(hot.figures.hotWalletVsSpreadRatio)}`,
    ],
    [
      '  after 4 deposits each (lanes found) ÷ 1',
      fmt(hot.figures.hotWalletWarmRatio),
      '',
      `${fmt(hot.manyWarm.depositsPerSecond, 0)} deposits/s, ${fmt(hot.manyWarm.conflictsPerDeposit)} conflicts/deposit; hot ÷ spread ${fmt(hot.figures.hotWalletWarmVsSpreadRatio)} (spread ${fmt(hot.spreadWarm.depositsPerSecond, 0)}/s)`,
    ],
    [
      `  raw PutItem, ${HOT_PRODUCERS} callers ÷ 1`,
      fmt(rawPut.ratio),
      '',
      `${fmt(rawPut.many, 0)} vs ${fmt(rawPut.one, 0)} puts/s: the store's own concurrency ceiling`,
    ],
    [
      '  16 in one process ÷ 1, group commit',
      fmt(processOn.depositsPerSecond / single.depositsPerSecond),
      '≥ 2',
      `without group commit ${fmt(processOff.depositsPerSecond / single.depositsPerSecond)} (same run); ${fmt(processOn.depositsPerSecond, 0)} vs ${fmt(processOff.depositsPerSecond, 0)} deposits/s`,
    ],
    [
      '  group commit: items / transaction, ms',
      fmt(hot.figures.hotWalletOneProcessItemsPerTransaction, 1),
      '',
      `${fmt(hot.figures.hotWalletOneProcessTransactionMs, 1)} ms in flight each`,
    ],
    [
      'hot wallet conflicts / deposit',
      fmt(many.conflictsPerDeposit),
      '',
      `1 producer: ${fmt(single.conflictsPerDeposit)}`,
    ],
    ['hot wallet failed deposits', String(many.failures + single.failures), '0', ''],
    [
      'ingest events/s, SQS batch size 10',
      fmt(ingestBatch10, 0),
      '',
      `batch size 1: ${fmt(ingestBatch1, 0)} (×${fmt(ingestBatch10 / ingestBatch1)})`,
    ],
    [
      'raw BatchWriteItem events/s',
      fmt(rawBatchWrite, 0),
      '',
      `ingest ÷ raw ${fmt(ingestVsBatchWriteRatio, 3)} (goal ≥ 0.25)`,
    ],
    [
      'AWS hot wallet deposits/s (simulated)',
      fmt(aws.after.depositsPerSecond, 0),
      '≥ 1,000',
      `today's layout ${fmt(aws.before.depositsPerSecond, 0)}; ${AWS_PARTITION_UNITS} WCU/s per partition, run at 1/${fmt(aws.model.scale, 0)}`,
    ],
    [
      '  partitions written / busiest share',
      `${aws.after.partitions} / ${fmt(aws.after.busiestShare)}`,
      '',
      `today's layout ${aws.before.partitions} / ${fmt(aws.before.busiestShare)}`,
    ],
    [
      'write units / deposit, AWS billing model',
      fmt(wallet.awsWriteUnitsPerDeposit),
      '≤ 3',
      `baseline ${fmt(baselineWrite.awsWriteUnitsPerDeposit + wallet.projectionWriteUnitsPerDeposit)}; DynamoDB Local bills a transaction 4`,
    ],
    ['rules: facts/s, ours', fmt(rules.ourRate, 0), '', '100 rules per fact'],
    [
      'rules: ours ÷ json-rules-engine',
      fmt(rules.rulesVsJsonRulesEngine, 0),
      '≥ 15',
      `json-rules-engine ${fmt(rules.jsonRulesEngineRate, 0)} facts/s`,
    ],
    [
      'rules: closure ÷ ours',
      fmt(rules.rulesVsClosure),
      '≤ 3',
      `closure ${fmt(rules.closureRate, 0)} facts/s`,
    ],
  ];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i]?.length ?? 0), 6));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ');
  console.log(line(['figure', 'value', 'target', 'note']));
  console.log(line(widths.map((width) => '-'.repeat(width))));
  for (const row of rows) console.log(line(row));
  console.log('\nper command (requests, units per deposit):');
  for (const [command, row] of Object.entries(wallet.byCommand)) {
    console.log(`  ${command.padEnd(22)} ${fmt(row.requestsPerDeposit)}  ${fmt(row.unitsPerDeposit)}`);
  }

  if (args.json) {
    const figures = {
      writeUnitsPerDeposit: wallet.writeUnitsPerDeposit,
      baselineWriteUnitsPerDeposit,
      projectionWriteUnitsPerDeposit: wallet.projectionWriteUnitsPerDeposit,
      requestsPerDeposit: wallet.requestsPerDeposit,
      projectionLagP50Ms: wallet.projectionLagP50Ms,
      projectionLagP99Ms: wallet.projectionLagP99Ms,
      projectionLagSaturationP99Ms: wallet.saturatedLagP99Ms,
      projectionLagSaturationP50Ms: wallet.saturatedLagP50Ms,
      awsWriteUnitsPerDeposit: wallet.awsWriteUnitsPerDeposit,
      baselineAwsWriteUnitsPerDeposit:
        baselineWrite.awsWriteUnitsPerDeposit + wallet.projectionWriteUnitsPerDeposit,
      ...hot.figures,
      ingestEventsPerSecond: ingestBatch10,
      ingestEventsPerSecondBatch1: ingestBatch1,
      rawBatchWriteEventsPerSecond: rawBatchWrite,
      ingestVsBatchWriteRatio,
      awsHotWalletDepositsPerSecond: aws.after.depositsPerSecond,
      awsHotWalletDepositsPerSecondBefore: aws.before.depositsPerSecond,
      awsHotWalletSimulation: aws.model,
      rulesPerSecond: rules.ourRate,
      rulesVsJsonRulesEngine: rules.rulesVsJsonRulesEngine,
      rulesVsClosure: rules.rulesVsClosure,
    };
    await writeFile(args.json, `${JSON.stringify(figures, null, 2)}\n`);
    log(`figures written to ${args.json}`);
  }
} finally {
  await ddb.stop();
}
