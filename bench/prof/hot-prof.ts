/**
 * `npx tsx bench/prof/hot-prof.ts` — where the hot wallet's "16 producers ÷ 1" stops, in one run:
 * DynamoDB Local's raw one-item PutItem rate with 1 and 16 callers, then deposits with 1 producer,
 * 16 separate producers on one wallet, 16 on 16 wallets, and 16 in one process with group commit
 * (transactions, deposits per transaction, time in flight), with the CPU each side used.
 * JVM_FLAGS="-XX:+UseParallelGC …" starts the emulator with extra JVM flags (before -jar) and
 * DDB_FLAGS extra emulator flags; ROUNDS (default 2) alternations.
 */
import { readdir, readFile } from 'node:fs/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { observeClients } from '#adapters/dynamodb/client.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from '#adapters/local/dynamodb-local.ts';
import { ensureTable } from '#local/table.ts';
import { combine, type HotRun, hotWallet } from '../run/hot-wallet.ts';
import { rawPutRates } from '../run/raw-put.ts';
import { cpuSeconds, cpuSince } from '../support.ts';

const ROUNDS = Number(process.env.ROUNDS ?? 2);
/** PRODUCERS (default 16) concurrent producers; ONLY=single,process runs only the shapes named. */
const PRODUCERS = Number(process.env.PRODUCERS ?? 16);
const ONLY = process.env.ONLY?.split(',');
const jvmFlags = (process.env.JVM_FLAGS ?? '').split(' ').filter(Boolean);
const ddbFlags = (process.env.DDB_FLAGS ?? '').split(' ').filter(Boolean);
const log = (line: string) => process.stderr.write(`${line}\n`);

/** The emulator, with JVM_FLAGS / DDB_FLAGS added to its command line when given. */
async function start(): Promise<{ endpoint: string; pid: number; stop: () => Promise<void> }> {
  const ddb = await startDynamoDbLocal({
    inMemory: true,
    tuning: 'throughput',
    jvmFlags,
    emulatorFlags: ddbFlags,
  });
  return { endpoint: ddb.endpoint, pid: ddb.pid, stop: ddb.stop };
}

/** Every request by command: how many, items written, time in flight (group commit's transactions among them). */
const calls = new Map<string, { n: number; items: number; ms: number }>();
observeClients((client) =>
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const t0 = performance.now();
      try {
        return await next(args);
      } finally {
        const name = context.commandName ?? '?';
        const row = calls.get(name) ?? { n: 0, items: 0, ms: 0 };
        const input = args.input as { TransactItems?: unknown[] };
        row.n++;
        row.items += input.TransactItems?.length ?? 1;
        row.ms += performance.now() - t0;
        calls.set(name, row);
      }
    },
    { step: 'initialize', name: 'hotProf' },
  ),
);
const callSummary = () =>
  [...calls]
    .map(([name, r]) => `${name} ${r.n}× ${(r.items / r.n).toFixed(1)} items ${(r.ms / r.n).toFixed(1)} ms`)
    .join('; ');

/** CPU seconds per JVM thread (by name): which thread is the emulator's limit. */
async function threads(pid: number): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const tid of await readdir(`/proc/${pid}/task`).catch(() => [])) {
    try {
      const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const key = `${name.replace(/\d+$/, '#')}`;
      out.set(key, (out.get(key) ?? 0) + (Number(f[11]) + Number(f[12])) / 100);
    } catch {}
  }
  return out;
}
const threadDiff = (a: Map<string, number>, b: Map<string, number>, seconds: number) =>
  [...b]
    .map(([k, v]) => [k, (v - (a.get(k) ?? 0)) / seconds] as const)
    .filter(([, v]) => v > 0.03)
    .sort((x, y) => y[1] - x[1])
    .slice(0, 6)
    .map(([k, v]) => `${k} ${v.toFixed(2)}`)
    .join(', ');

const ddb = await start();
log(`emulator ${ddb.endpoint} pid ${ddb.pid} jvm ${jvmFlags.join(' ')} ddb ${ddbFlags.join(' ')}`);
try {
  const table = 'hot-prof';
  await ensureTable(
    new DynamoDBClient({ endpoint: ddb.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
    table,
  );
  let cpu = await cpuSeconds(ddb.pid);
  const rawT0 = performance.now();
  const raw = await rawPutRates(ddb.endpoint, { callers: 16, total: 320, rounds: ROUNDS });
  const rawCpu = await cpuSince(ddb.pid, cpu);
  log(
    `raw PutItem: 1 caller ${raw.one.toFixed(0)}/s, 16 callers ${raw.many.toFixed(0)}/s, ratio ${raw.ratio.toFixed(2)}; cpu/s ${JSON.stringify({ node: rawCpu.node / ((performance.now() - rawT0) / 1000), jvm: rawCpu.jvm / ((performance.now() - rawT0) / 1000) })}`,
  );
  await hotWallet(ddb.endpoint, table, 'warm', 4, 25);
  // As in npm run bench, the JVM has served a few thousand requests before the hot wallet runs.
  const warm = Number(process.env.WARM ?? 0);
  if (warm > 0) await hotWallet(ddb.endpoint, table, 'warm-more', 16, Math.ceil(warm / 16), { spread: true });
  const shapes: Record<string, HotRun[]> = { single: [], hot: [], spread: [], process: [] };
  const cpuBy: Record<string, { node: number; jvm: number; s: number }> = {};
  const measure = async (name: string, run: () => Promise<HotRun>) => {
    if (ONLY && !ONLY.includes(name)) return;
    cpu = await cpuSeconds(ddb.pid);
    calls.clear();
    const before = await threads(ddb.pid);
    const t0 = performance.now();
    const result = await run();
    const used = await cpuSince(ddb.pid, cpu);
    log(
      `  ${name} jvm threads (cores): ${threadDiff(before, await threads(ddb.pid), (performance.now() - t0) / 1000)}`,
    );
    log(`  ${name} round: ${callSummary()}`);
    const prev = cpuBy[name] ?? { node: 0, jvm: 0, s: 0 };
    cpuBy[name] = {
      node: prev.node + used.node,
      jvm: prev.jvm + used.jvm,
      s: prev.s + (performance.now() - t0) / 1000,
    };
    shapes[name]?.push(result);
  };
  for (let round = 0; round < ROUNDS; round++) {
    await measure('single', () => hotWallet(ddb.endpoint, table, `s-${round}`, 1, 150));
    await measure('hot', () => hotWallet(ddb.endpoint, table, `h-${round}`, PRODUCERS, 10));
    await measure('spread', () =>
      hotWallet(ddb.endpoint, table, `p-${round}`, PRODUCERS, 10, { spread: true }),
    );
    await measure('process', () =>
      hotWallet(ddb.endpoint, table, `g-${round}`, PRODUCERS, 10, { oneProcess: { groupCommit: true } }),
    );
  }
  const single = (shapes.single?.length ?? 0) > 0 ? combine(shapes.single ?? []).depositsPerSecond : 1;
  for (const [name, runs] of Object.entries(shapes).filter(([, runs]) => runs.length > 0)) {
    const all = combine(runs);
    const c = cpuBy[name];
    log(
      `${name.padEnd(8)} ${all.depositsPerSecond.toFixed(0).padStart(5)}/s ÷1 ${(all.depositsPerSecond / single).toFixed(2)} conflicts/dep ${all.conflictsPerDeposit.toFixed(2)} lanes ${all.lanes} fail ${all.failures}; cpu node ${((c?.node ?? 0) / (c?.s ?? 1)).toFixed(2)} jvm ${((c?.jvm ?? 0) / (c?.s ?? 1)).toFixed(2)}`,
    );
  }
} finally {
  await ddb.stop();
}
