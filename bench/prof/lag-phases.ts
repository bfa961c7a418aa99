/**
 * `npx tsx bench/prof/lag-phases.ts` — where a deposit's projection lag goes at saturation, phase
 * by phase: 201 → the GetRecords that returned its record was sent → it returned → the projector
 * run that took it started → that run's batch read ended → the run ended; and how long the outbox
 * relay's runs take (the next GetRecords waits for them too). Deposits over HTTP at concurrency 4
 * (as bench/run/wallet-path.ts); N=300 per round, ROUNDS=2.
 */

import type { _Record as StreamRecord } from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBStreamsClient, GetRecordsCommand } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { observeClients } from '#adapters/dynamodb/client.ts';
import { startDynamoDbLocal } from '#adapters/local/dynamodb-local.ts';
import { forEachLimited } from '#app/jobs.ts';
import { startLocalRuntime } from '#local/runtime.ts';
import { ShardPipeline } from '#local/stream-pipeline.ts';
import { depositKey, recordKey } from '../run/lag-keys.ts';

const pushedAt = new Map<string, number>();
const getSentAt = new Map<string, number>();
let lastGetSent = 0;
const getDurations: number[] = [];
const original = ShardPipeline.prototype.push;
ShardPipeline.prototype.push = function (this: ShardPipeline, records: StreamRecord[]) {
  const now = performance.now();
  for (const r of records) {
    const key = recordKey(r);
    if (!pushedAt.has(key)) {
      pushedAt.set(key, now);
      getSentAt.set(key, lastGetSent);
    }
  }
  return original.call(this, records);
};
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
};
// Time every GetRecords the poller sends.
const send = DynamoDBStreamsClient.prototype.send;
DynamoDBStreamsClient.prototype.send = async function (
  this: DynamoDBStreamsClient,
  command: unknown,
  ...rest: unknown[]
) {
  if (!(command instanceof GetRecordsCommand))
    return (send as (...args: unknown[]) => Promise<unknown>).call(this, command, ...rest);
  const s = performance.now();
  lastGetSent = s;
  try {
    return await (send as (...args: unknown[]) => Promise<unknown>).call(this, command, ...rest);
  } finally {
    getDurations.push(performance.now() - s);
  }
} as typeof send;
// Every DynamoDB request this process sends, by command: count and latency.
const byCommand = new Map<string, number[]>();
observeClients((client) =>
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const s = performance.now();
      try {
        return await next(args);
      } finally {
        let name = context.commandName ?? 'unknown';
        // A BatchGetItem by what it reads: events (by key) or views.
        const input = args.input as { RequestItems?: Record<string, { Keys?: { sk?: string }[] }> };
        const sk = Object.values(input.RequestItems ?? {})[0]?.Keys?.[0]?.sk;
        if (name === 'BatchGetItemCommand' && typeof sk === 'string') name += ` ${sk.split('#')[0]}`;
        byCommand.set(name, [...(byCommand.get(name) ?? []), performance.now() - s]);
      }
    },
    { step: 'initialize', name: 'lagPhasesTimer' },
  ),
);
const ddb = await startDynamoDbLocal({ inMemory: true, log: () => {}, tuning: 'throughput' });
const started = new Map<string, number>();
const ended = new Map<string, number>();
const relayRuns: number[] = [];
const projRuns: number[] = [];
const runtime = await startLocalRuntime({
  port: 0,
  endpoint: ddb.endpoint,
  tableName: 'bench-wallet',
  logRequests: false,
  log: () => undefined,
  wrapHandler: (spec, handler) =>
    spec.name !== 'project-streams' && spec.name !== 'publish-events'
      ? handler
      : async (event, context) => {
          const s = performance.now();
          const result = await handler(event, context);
          const e = performance.now();
          if (spec.name === 'publish-events') {
            relayRuns.push(e - s);
            return result;
          }
          projRuns.push(e - s);
          for (const r of (event as DynamoDBStreamEvent).Records) {
            const k = recordKey(r);
            if (!started.has(k)) started.set(k, s);
            if (!ended.has(k)) ended.set(k, e);
          }
          return result;
        },
});
try {
  const deposit = (walletId: string, amount: string) => depositKey(runtime.url, walletId, amount);
  await forEachLimited(
    Array.from({ length: 100 }, (_, i) => i),
    4,
    async (i) => {
      await deposit(`warm-${i % 10}`, '1');
    },
  );
  await runtime.whenProjected({ timeoutMs: 30000 });
  const N = Number(process.env.N ?? 300);
  for (let round = 0; round < Number(process.env.ROUNDS ?? 2); round++) {
    relayRuns.length = 0;
    projRuns.length = 0;
    getDurations.length = 0;
    byCommand.clear();
    const sent: { key: string; ack: number }[] = [];
    const t0 = performance.now();
    await forEachLimited(
      Array.from({ length: N }, (_, i) => i),
      4,
      async (i) => {
        const key = await deposit(`bench-${round}-${i % 100}`, `${1 + (i % 500)}.05`);
        sent.push({ key, ack: performance.now() });
      },
    );
    const secs = (performance.now() - t0) / 1000;
    await runtime.whenProjected({ timeoutMs: 60000 });
    const phases = {
      ackToGetSent: [] as number[],
      getToPush: [] as number[],
      pushToStart: [] as number[],
      run: [] as number[],
      total: [] as number[],
    };
    for (const { key, ack } of sent) {
      const p = pushedAt.get(key);
      const g = getSentAt.get(key);
      const s = started.get(key);
      const e = ended.get(key);
      if (p === undefined || s === undefined || e === undefined || g === undefined) continue;
      phases.ackToGetSent.push(g - ack);
      phases.getToPush.push(p - g);
      phases.pushToStart.push(s - p);
      phases.run.push(e - s);
      phases.total.push(Math.max(0, e - ack));
    }
    const row = (name: string, xs: number[]) =>
      `${name} p50 ${pct(xs, 50).toFixed(0)} p90 ${pct(xs, 90).toFixed(0)} p99 ${pct(xs, 99).toFixed(0)}`;
    console.log(
      [
        `round ${round}: ${(N / secs).toFixed(0)} deposits/s, ${projRuns.length} projector runs, ${relayRuns.length} relay runs, ${getDurations.length} GetRecords`,
        row('  ack→GetRecords sent (neg: sent before ack)', phases.ackToGetSent),
        row('  GetRecords→records in', phases.getToPush),
        row('  records in→run start', phases.pushToStart),
        row('  projector run', phases.run),
        row('  total lag', phases.total),
        row('  projector run (all)', projRuns),
        row('  relay run (all)', relayRuns),
        row('  GetRecords (all)', getDurations),
        ...[...byCommand].map(([name, xs]) => row(`  ${name} ×${(xs.length / N).toFixed(2)}/deposit`, xs)),
      ].join('\n'),
    );
  }
} finally {
  await runtime.stop();
  await ddb.stop();
}
