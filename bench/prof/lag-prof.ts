/**
 * `npx tsx bench/prof/lag-prof.ts` — where projection lag goes at saturation: deposits over HTTP at
 * concurrency 4 through the local runtime (as bench/run/wallet-path.ts), timing for each deposit its
 * 201 → the projector run that took it starting → that run ending. MODES (default
 * pipe,wait,pipe,wait) alternates the stream poller as built (`pipe`: the shard reader goes on while
 * records are delivered) with `wait` (it waits for every delivery first, as before
 * stream-pipeline.ts), in the same process. N=200 deposits per round; PACED=40 sends 40 a second
 * instead of as fast as 4 clients go.
 */
import type { _Record as StreamRecord } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { startDynamoDbLocal } from '#adapters/local/dynamodb-local.ts';
import { forEachLimited } from '#app/jobs.ts';
import { startLocalRuntime } from '#local/runtime.ts';
import { ShardPipeline } from '#local/stream-pipeline.ts';
import { depositKey, recordKey } from '../run/lag-keys.ts';

/** The mode of the round running: whether the reader waits for its deliveries. */
const g = globalThis as { WAIT?: boolean };
const received = new Map<string, number>();
const original = ShardPipeline.prototype.push;
ShardPipeline.prototype.push = function (this: ShardPipeline, records: StreamRecord[]) {
  const now = performance.now();
  for (const r of records) {
    const key = recordKey(r);
    if (!received.has(key)) received.set(key, now);
  }
  const pushed = original.call(this, records);
  return g.WAIT ? pushed.then(() => this.drained()) : pushed;
};
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
};
const ddb = await startDynamoDbLocal({ inMemory: true, log: () => {}, tuning: 'throughput' });
const started = new Map<string, number>();
const ended = new Map<string, number>();
let invocations = 0;
const runtime = await startLocalRuntime({
  port: 0,
  endpoint: ddb.endpoint,
  tableName: 'bench-wallet',
  logRequests: false,
  log: () => undefined,
  wrapHandler: (spec, handler) =>
    spec.name !== 'project-streams'
      ? handler
      : async (event, context) => {
          const s = performance.now();
          invocations++;
          const keys = (event as DynamoDBStreamEvent).Records.map(recordKey);
          for (const k of keys) if (!started.has(k)) started.set(k, s);
          const result = await handler(event, context);
          const e = performance.now();
          for (const k of keys) if (!ended.has(k)) ended.set(k, e);
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
  const N = Number(process.env.N ?? 200);
  /** Deposits a second (PACED=40: the bench's paced run); unset: as fast as 4 clients go. */
  const PACED = Number(process.env.PACED ?? 0);
  const modes = (process.env.MODES ?? 'pipe,wait,pipe,wait').split(',');
  for (const [round, mode] of modes.entries()) {
    g.WAIT = mode === 'wait';
    invocations = 0;
    const sent: { key: string; ack: number }[] = [];
    const t0 = performance.now();
    const send = async (i: number) => {
      const key = await deposit(`bench-${round}-${i % 100}`, `${1 + (i % 500)}.05`);
      sent.push({ key, ack: performance.now() });
    };
    if (PACED > 0) {
      // One deposit every 1/PACED s, as the bench's paced lag run.
      await Promise.all(
        Array.from({ length: N }, async (_, i) => {
          await new Promise((resolve) =>
            setTimeout(resolve, Math.max(0, t0 + (i * 1000) / PACED - performance.now())),
          );
          await send(i);
        }),
      );
    } else {
      await forEachLimited(
        Array.from({ length: N }, (_, i) => i),
        4,
        send,
      );
    }
    const secs = (performance.now() - t0) / 1000;
    await runtime.whenProjected({ timeoutMs: 60000 });
    const toStart: number[] = [];
    const total: number[] = [];
    for (const { key, ack } of sent) {
      const s = started.get(key);
      const e = ended.get(key);
      if (s === undefined || e === undefined) continue;
      toStart.push(s - ack);
      total.push(Math.max(0, e - ack));
    }
    console.log(
      `${mode}: ${(N / secs).toFixed(0)} deposits/s, ${invocations} runs; ack→start p50 ${pct(toStart, 50).toFixed(0)} p99 ${pct(toStart, 99).toFixed(0)}; lag p50 ${pct(total, 50).toFixed(0)} p90 ${pct(total, 90).toFixed(0)} p99 ${pct(total, 99).toFixed(0)}`,
    );
  }
} finally {
  await runtime.stop();
  await ddb.stop();
}
