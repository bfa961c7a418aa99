/**
 * The deposit's whole path (HTTP → event store → stream → projector) through the local runtime,
 * and the Powertools-idempotency baseline's write path, measured with the same capacity meter.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { createDocumentClient } from '#adapters/dynamodb/client.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#adapters/local/dynamodb-local.ts';
import { forEachLimited } from '#app/jobs.ts';
import { startLocalRuntime } from '#local/runtime.ts';
import { ensureTable } from '#local/table.ts';
import { baselineDeposit } from '../baseline.ts';
import { depositKey, recordKey } from './lag-keys.ts';
import { DEPOSITS, HTTP_CONCURRENCY, LAG_DEPOSITS, LAG_RATE, log, meter, WALLETS } from './settings.ts';

export const percentile = (sorted: number[], p: number): number =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN);

/** Deposits over HTTP through the local runtime; write units include the projector's. */
export async function walletPath(endpoint: string) {
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
              const key = recordKey(record);
              if (!projectedAt.has(key)) projectedAt.set(key, endMs);
            }
            return result;
          },
  });
  try {
    const deposit = (walletId: string, amount: string) => depositKey(runtime.url, walletId, amount);
    // Warm up the handlers and the JVM; not measured.
    await forEachLimited(
      Array.from({ length: 100 }, (_, i) => i),
      HTTP_CONCURRENCY,
      async (i) => {
        await deposit(`warm-${i % 10}`, '1');
      },
    );
    await runtime.whenProjected({ timeoutMs: 30_000 });
    meter.start();
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
    // The capacity figures are those of the DEPOSITS above; the paced run below is not metered.
    const capacity = {
      writeUnits: meter.writeUnits,
      awsWriteUnits: meter.awsWriteUnits,
      readUnits: meter.readUnits,
      viewWriteUnits: meter.viewWriteUnits,
      requests: meter.requests,
      byCommand: new Map([...meter.byCommand].map(([command, row]) => [command, { ...row }])),
    };
    meter.stop();

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
      awsWriteUnitsPerDeposit: capacity.awsWriteUnits / DEPOSITS,
      readUnitsPerDeposit: capacity.readUnits / DEPOSITS,
      requestsPerDeposit: capacity.requests / DEPOSITS,
      projectionWriteUnitsPerDeposit: capacity.viewWriteUnits / DEPOSITS,
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

/** The baseline's write path, measured the same way (projection cost is added from ours). */
export async function baselinePath(endpoint: string) {
  await ensureTable(
    new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
    'bench-baseline',
  );
  const client = createDocumentClient({ endpoint });
  meter.start();
  await forEachLimited(
    Array.from({ length: DEPOSITS }, (_, i) => i),
    HTTP_CONCURRENCY,
    (i) => baselineDeposit(client, 'bench-baseline', `bench-${i % WALLETS}`, BigInt(100 + i)),
  );
  meter.stop();
  return {
    writeUnitsPerDeposit: meter.writeUnits / DEPOSITS,
    awsWriteUnitsPerDeposit: meter.awsWriteUnits / DEPOSITS,
    requestsPerDeposit: meter.requests / DEPOSITS,
  };
}
