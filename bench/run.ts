/**
 * `npm run bench [-- --json <file>] [-- --quick]` — prints the wallet slice's figures:
 * write units and requests per deposit over the whole path (HTTP → event store → stream →
 * projector), beside a Powertools-idempotency baseline measured in the same run; projection lag;
 * one hot wallet with 16 independent producers against one producer.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { randomIds, systemClock } from '#adapters/clock.ts';
import { createDocumentClient, observeClients } from '#adapters/dynamodb/client.ts';
import { DynamoEventStore } from '#adapters/dynamodb/event-store.ts';
import { eventSk, walletPk } from '#adapters/dynamodb/table-layout/keys.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from '#adapters/local/dynamodb-local.ts';
import { startLocalRuntime } from '#adapters/local/runtime.ts';
import { ensureTable } from '#adapters/local/table.ts';
import { recordDeposit } from '#app/deposit.ts';
import { HeadCache } from '#app/head-cache.ts';
import { forEachLimited } from '#app/jobs.ts';
import { FUNCTIONS } from '#lib/wiring.ts';
import { baselineDeposit } from './baseline.ts';
import { CapacityMeter } from './capacity-meter.ts';
import { benchRules } from './rules.ts';

const { values: args } = parseArgs({
  options: { json: { type: 'string' }, quick: { type: 'boolean', default: false } },
  allowPositionals: false,
});
const QUICK = args.quick === true;
const DEPOSITS = QUICK ? 300 : 1500;
const WALLETS = 100;
const HTTP_CONCURRENCY = 4;
const HOT_SINGLE = QUICK ? 150 : 400;
const HOT_PRODUCERS = 16;
const HOT_PER_PRODUCER = QUICK ? 10 : 30;
const HOT_ROUNDS = QUICK ? 1 : 2;
const INGEST_EVENTS = QUICK ? 200 : 600;
const LAG_RATE = 40;
const LAG_DEPOSITS = QUICK ? 120 : 300;

const meter = new CapacityMeter();
observeClients((client) => meter.attach(client));
const log = (line: string) => process.stderr.write(`${line}\n`);

const percentile = (sorted: number[], p: number): number =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN);

/** Deposits over HTTP through the local runtime; write units include the projector's. */
async function walletPath(endpoint: string) {
  const projectedAt = new Map<string, number>();
  const invocations: { startMs: number; endMs: number; records: number }[] = [];
  const runtime = await startLocalRuntime({
    port: 0,
    endpoint,
    tableName: 'bench-wallet',
    logRequests: false,
    log: () => undefined,
    wrapHandler: (spec, handler) =>
      spec.name !== 'project-streams'
        ? handler
        : async (event, context) => {
            const startMs = performance.now();
            const result = await handler(event, context);
            const endMs = performance.now();
            invocations.push({ startMs, endMs, records: (event as DynamoDBStreamEvent).Records.length });
            // A run that was handed an event's own doorbell has read the store after that event
            // was committed, so the event is in the view it wrote.
            for (const record of (event as DynamoDBStreamEvent).Records) {
              const key = `${record.dynamodb?.Keys?.pk?.S}|${record.dynamodb?.Keys?.sk?.S}`;
              if (!projectedAt.has(key)) projectedAt.set(key, endMs);
            }
            return result;
          },
  });
  try {
    const deposit = async (walletId: string, amount: string) => {
      const response = await fetch(`${runtime.url}/deposit`, {
        method: 'POST',
        body: `{"WalletID":"${walletId}","Amount":${amount}}`,
      });
      const text = await response.text();
      if (response.status !== 201) throw new Error(`deposit answered ${response.status}: ${text}`);
      const recorded = JSON.parse(text) as { Lane: number; Version: number };
      return `${walletPk(walletId)}|${eventSk(recorded.Lane, recorded.Version)}`;
    };
    // Warm up the handlers and the JVM; not measured.
    await forEachLimited(
      Array.from({ length: 100 }, (_, i) => i),
      HTTP_CONCURRENCY,
      async (i) => {
        await deposit(`warm-${i % 10}`, '1');
      },
    );
    await runtime.whenProjected({ timeoutMs: 30_000 });
    meter.reset();
    projectedAt.clear();
    invocations.length = 0;

    const sent: { key: string; ackMs: number }[] = [];
    const startMs = performance.now();
    await forEachLimited(
      Array.from({ length: DEPOSITS }, (_, i) => i),
      HTTP_CONCURRENCY,
      async (i) => {
        const key = await deposit(
          `bench-${i % WALLETS}`,
          `${1 + (i % 500)}.${String(i % 100).padStart(2, '0')}`,
        );
        sent.push({ key, ackMs: performance.now() });
      },
    );
    const depositSeconds = (performance.now() - startMs) / 1000;
    await runtime.whenProjected({ timeoutMs: 60_000 });

    // Lag: from the 201 (the commit happened just before it) to the end of the projector run
    // that folded the deposit in; 0 when the view had it before the client had its answer.
    const lagsOf = (deposits: { key: string; ackMs: number }[]): number[] => {
      const lags: number[] = [];
      for (const deposit of deposits) {
        const projectedMs = projectedAt.get(deposit.key);
        if (projectedMs !== undefined) lags.push(Math.max(0, projectedMs - deposit.ackMs));
      }
      return lags.sort((a, b) => a - b);
    };
    const saturatedLags = lagsOf(sent);
    // The capacity figures are those of the DEPOSITS above; the paced run below adds its own.
    const capacity = {
      writeUnits: meter.writeUnits,
      readUnits: meter.readUnits,
      requests: meter.requests,
      byCommand: new Map([...meter.byCommand].map(([command, row]) => [command, { ...row }])),
    };

    // Latency is measured at a steady rate below saturation (at saturation it only measures the
    // queue): LAG_DEPOSITS deposits at LAG_RATE per second, one every 1/LAG_RATE s.
    const paced: { key: string; ackMs: number }[] = [];
    const pacedStartMs = performance.now();
    await Promise.all(
      Array.from({ length: LAG_DEPOSITS }, async (_, i) => {
        const dueMs = pacedStartMs + (i * 1000) / LAG_RATE;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, dueMs - performance.now())));
        const key = await deposit(`lag-${i % WALLETS}`, '1.00');
        paced.push({ key, ackMs: performance.now() });
      }),
    );
    await runtime.whenProjected({ timeoutMs: 60_000 });
    const lags = lagsOf(paced);
    const durations = invocations.map((run) => run.endMs - run.startMs).sort((a, b) => a - b);
    const gaps = invocations
      .slice(1)
      .map((run, i) => run.startMs - (invocations[i]?.endMs ?? run.startMs))
      .sort((a, b) => a - b);
    log(
      `projector: ${invocations.length} invocations, ${(sent.length / Math.max(1, invocations.length)).toFixed(1)} records each; ` +
        `duration p50 ${percentile(durations, 50).toFixed(0)} ms p99 ${percentile(durations, 99).toFixed(0)} ms max ${(durations.at(-1) ?? 0).toFixed(0)} ms; ` +
        `gap between runs p99 ${percentile(gaps, 99).toFixed(0)} ms max ${(gaps.at(-1) ?? 0).toFixed(0)} ms`,
    );
    const byCommand = Object.fromEntries(
      [...capacity.byCommand].map(([command, row]) => [
        command,
        { requestsPerDeposit: row.requests / DEPOSITS, unitsPerDeposit: row.units / DEPOSITS },
      ]),
    );
    return {
      depositsPerSecond: DEPOSITS / depositSeconds,
      writeUnitsPerDeposit: capacity.writeUnits / DEPOSITS,
      readUnitsPerDeposit: capacity.readUnits / DEPOSITS,
      requestsPerDeposit: capacity.requests / DEPOSITS,
      projectionWriteUnitsPerDeposit: (capacity.byCommand.get('PutItemCommand')?.units ?? 0) / DEPOSITS,
      byCommand,
      lagSamples: lags.length,
      deposits: paced.length,
      projectionLagP50Ms: percentile(lags, 50),
      projectionLagP99Ms: percentile(lags, 99),
      saturatedLagP50Ms: percentile(saturatedLags, 50),
      saturatedLagP99Ms: percentile(saturatedLags, 99),
    };
  } finally {
    await runtime.stop();
  }
}

/**
 * CloudEvents through the local SQS into the store, with the ingest trigger's batch size set to
 * `batchSize` (the wiring's is 10): events per second from the first send until the queue is empty.
 */
async function ingestRate(endpoint: string, batchSize: number, events: number): Promise<number> {
  const functions = FUNCTIONS.map((spec) =>
    spec.name !== 'ingest-queue'
      ? spec
      : {
          ...spec,
          triggers: (spec.triggers ?? []).map((trigger) =>
            trigger.kind === 'events-queue' ? { ...trigger, batchSize } : trigger,
          ),
        },
  );
  const runtime = await startLocalRuntime({
    port: 0,
    endpoint,
    tableName: 'bench-wallet',
    logRequests: false,
    log: () => undefined,
    functions,
  });
  try {
    const sqs = new SQSClient({
      endpoint: runtime.sqsEndpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    const run = `${batchSize}-${Date.now()}`;
    const startMs = performance.now();
    for (let first = 0; first < events; first += 10) {
      const entries = Array.from({ length: Math.min(10, events - first) }, (_, offset) => {
        const i = first + offset;
        return {
          Id: String(offset),
          MessageBody: JSON.stringify({
            specversion: '1.0',
            id: `bench-${run}-${i}`,
            source: 'bench',
            type: i % 2 === 0 ? 'answer_is_liked' : 'trade',
            subject: `ingest-${i % WALLETS}`,
            time: new Date().toISOString(),
            data: { qty: 10 + (i % 7) },
          }),
        };
      });
      const sent = await sqs.send(
        new SendMessageBatchCommand({ QueueUrl: runtime.eventsQueueUrl, Entries: entries }),
      );
      if ((sent.Failed ?? []).length > 0)
        throw new Error(`local SQS refused ${sent.Failed?.length} messages`);
    }
    await runtime.whenIngested({ timeoutMs: 120_000 });
    return events / ((performance.now() - startMs) / 1000);
  } finally {
    await runtime.stop();
  }
}

/** The baseline's write path, measured the same way (projection cost is added from ours). */
async function baselinePath(endpoint: string) {
  await ensureTable(
    new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
    'bench-baseline',
  );
  const client = createDocumentClient({ endpoint });
  meter.reset();
  await forEachLimited(
    Array.from({ length: DEPOSITS }, (_, i) => i),
    HTTP_CONCURRENCY,
    (i) => baselineDeposit(client, 'bench-baseline', `bench-${i % WALLETS}`, BigInt(100 + i)),
  );
  return { writeUnitsPerDeposit: meter.writeUnits / DEPOSITS, requestsPerDeposit: meter.requests / DEPOSITS };
}

/** Independent producers on one wallet: each its own client and head cache, like separate Lambdas. */
async function hotWallet(
  endpoint: string,
  table: string,
  walletId: string,
  producers: number,
  perProducer: number,
) {
  let conflicts = 0;
  let failures = 0;
  const lanes = new Set<number>();
  const startMs = performance.now();
  await Promise.all(
    Array.from({ length: producers }, async () => {
      const deps = {
        store: new DynamoEventStore(createDocumentClient({ endpoint }), table),
        clock: systemClock,
        ids: randomIds,
        heads: new HeadCache(),
      };
      for (let i = 0; i < perProducer; i++) {
        try {
          const result = await recordDeposit(deps, {
            walletId,
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
  };
}

type HotRun = Awaited<ReturnType<typeof hotWallet>>;
/** Rounds of one shape as one run: total deposits over total time. */
function combine(runs: HotRun[]): HotRun {
  const seconds = runs.reduce((sum, run) => sum + run.deposits / run.depositsPerSecond, 0);
  const deposits = runs.reduce((sum, run) => sum + run.deposits, 0);
  return {
    deposits,
    depositsPerSecond: deposits / seconds,
    conflictsPerDeposit:
      runs.reduce((sum, run) => sum + run.conflictsPerDeposit * run.deposits, 0) / deposits,
    failures: runs.reduce((sum, run) => sum + run.failures, 0),
    lanes: Math.max(...runs.map((run) => run.lanes)),
  };
}

const fmt = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

// Rules first, in a fresh heap and with both cores to itself: it measures CPU, not I/O.
log('rules: our engine, json-rules-engine and a hand-written closure on the same rules and facts…');
const rules = await benchRules({ quick: QUICK });

const ddb = await startDynamoDbLocal({ inMemory: true, log, tuning: 'throughput' });
try {
  log(`DynamoDB Local on ${ddb.endpoint}; ${DEPOSITS} deposits over HTTP to ${WALLETS} wallets…`);
  const wallet = await walletPath(ddb.endpoint);
  log('baseline…');
  const baselineWrite = await baselinePath(ddb.endpoint);
  const baselineWriteUnitsPerDeposit =
    baselineWrite.writeUnitsPerDeposit + wallet.projectionWriteUnitsPerDeposit;

  log('hot wallet…');
  await ensureTable(
    new DynamoDBClient({ endpoint: ddb.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
    'bench-hot',
  );
  await hotWallet(ddb.endpoint, 'bench-hot', 'warm', 4, 25);
  // Alternate the two shapes so a slow patch of the machine does not land on one of them only.
  const singles = [];
  const manys = [];
  for (let round = 0; round < HOT_ROUNDS; round++) {
    singles.push(await hotWallet(ddb.endpoint, 'bench-hot', `hot-single-${round}`, 1, HOT_SINGLE));
    manys.push(
      await hotWallet(ddb.endpoint, 'bench-hot', `hot-many-${round}`, HOT_PRODUCERS, HOT_PER_PRODUCER),
    );
  }
  const single = combine(singles);
  const many = combine(manys);

  log('ingest through the local SQS, batch size 10 and 1…');
  const ingestBatch10 = await ingestRate(ddb.endpoint, 10, INGEST_EVENTS);
  const ingestBatch1 = await ingestRate(ddb.endpoint, 1, INGEST_EVENTS);

  const hotWalletRatio = many.depositsPerSecond / single.depositsPerSecond;

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
      '',
      `during the write-unit run, concurrency ${HTTP_CONCURRENCY}`,
    ],
    ['hot wallet: 1 producer deposits/s', fmt(single.depositsPerSecond, 0), '', ''],
    [
      `hot wallet: ${HOT_PRODUCERS} producers deposits/s`,
      fmt(many.depositsPerSecond, 0),
      '',
      `${many.lanes} lanes used`,
    ],
    ['hot wallet ratio (16 ÷ 1)', fmt(hotWalletRatio), '≥ 0.8', ''],
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
      hotWalletSingleDepositsPerSecond: single.depositsPerSecond,
      hotWalletDepositsPerSecond: many.depositsPerSecond,
      hotWalletRatio,
      hotWalletFailures: many.failures + single.failures,
      hotWalletConflictsPerDeposit: many.conflictsPerDeposit,
      ingestEventsPerSecond: ingestBatch10,
      ingestEventsPerSecondBatch1: ingestBatch1,
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
