/**
 * `npx tsx bench/prof/hot-fresh.ts` — why 16 fresh producers on one wallet scale less than 16 warm
 * ones: in one run, alternated, 1 producer, 16 fresh ones (new client, store, head cache, new
 * wallet: the bench's `hotWalletRatio` shape), the same 16 whose clients sent one request first
 * (connected, but knowing nothing of the wallet), and 16 warm ones (4 deposits each first). Per
 * shape: deposits/s, the cancelled transactions by reason, the requests, the sleeps, and when the
 * producers' first deposit was done, and the JVM's and Node's CPU per deposit. ROUNDS (default
 * 4), PER (deposits per producer, default 10), SINGLE (the one producer's deposits, default 150),
 * TIMELINE=1 (each producer's first deposit → last, with its lost races), SKIP_CONNECTED=1.
 * BASE=dir (an unpacked checkout of another commit with node_modules, e.g. `git archive main | tar
 * -x -C dir`) adds `fresh-base`: the same fresh shape through THAT tree's store, placement and
 * deposit, in the same process on the same emulator, taking turns with this tree's round by round
 * — a same-run before/after of a write-path change.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { randomIds, systemClock } from '#adapters/clock.ts';
import { createDocumentClient, observeClients } from '#adapters/dynamodb/client.ts';
import { DynamoEventStore } from '#adapters/dynamodb/event-store.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from '#adapters/local/dynamodb-local.ts';
import { recordDeposit } from '#app/deposit.ts';
import { HeadCache } from '#app/head-cache.ts';
import { defaultRetryPolicy } from '#app/placement.ts';
import { ensureTable } from '#local/table.ts';

/** The write path under test: this tree's, or (BASE=dir, a checkout of the base commit) that one's, in the same process. */
interface WritePath {
  DynamoEventStore: typeof DynamoEventStore;
  recordDeposit: typeof recordDeposit;
  HeadCache: typeof HeadCache;
}
const here: WritePath = { DynamoEventStore, recordDeposit, HeadCache };
const base: WritePath | undefined = process.env.BASE
  ? {
      DynamoEventStore: (await import(`${process.env.BASE}/functions/adapters/dynamodb/event-store.ts`))
        .DynamoEventStore,
      recordDeposit: (await import(`${process.env.BASE}/functions/app/deposit.ts`)).recordDeposit,
      HeadCache: (await import(`${process.env.BASE}/functions/app/head-cache.ts`)).HeadCache,
    }
  : undefined;

import { loadavg } from 'node:os';
import { cpuSeconds, cpuSince } from '../support.ts';

const ROUNDS = Number(process.env.ROUNDS ?? 4);
const PER = Number(process.env.PER ?? 10);
const SINGLE = Number(process.env.SINGLE ?? 150);
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Tally {
  requests: Map<string, number>;
  cancelled: Map<string, number>;
  ms: Map<string, number>;
  sleeps: number;
  sleepMs: number;
}
let tally: Tally | undefined;
const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
observeClients((client) =>
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const t = tally;
      if (t) bump(t.requests, context.commandName ?? '?');
      const t0 = performance.now();
      try {
        return await next(args);
      } catch (error) {
        const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
        const codes = reasons
          .map((r, i) => (r.Code && r.Code !== 'None' ? `${i}:${r.Code}` : ''))
          .filter(Boolean);
        if (t) bump(t.cancelled, codes.join(',') || (error as Error).name);
        throw error;
      } finally {
        if (t) {
          const key = context.commandName ?? '?';
          t.ms.set(key, (t.ms.get(key) ?? 0) + performance.now() - t0);
        }
      }
    },
    { step: 'initialize', name: 'hotFresh' },
  ),
);
const retry = {
  ...defaultRetryPolicy,
  sleep: (ms: number) => {
    if (tally) {
      tally.sleeps++;
      tally.sleepMs += ms;
    }
    return defaultRetryPolicy.sleep(ms);
  },
};

async function shape(
  endpoint: string,
  table: string,
  walletId: string,
  producers: number,
  per: number,
  mode: 'fresh' | 'connected' | 'warm',
  path: WritePath = here,
) {
  const { DynamoEventStore, recordDeposit, HeadCache } = path;
  const t: Tally = { requests: new Map(), cancelled: new Map(), ms: new Map(), sleeps: 0, sleepMs: 0 };
  const deps = Array.from({ length: producers }, () => {
    const client = createDocumentClient({ endpoint });
    return {
      client,
      deps: {
        store: new DynamoEventStore(client, table),
        clock: systemClock,
        ids: randomIds,
        heads: new HeadCache(),
        retry,
      },
    };
  });
  await Promise.all(
    deps.map(async ({ client, deps: d }) => {
      if (mode === 'connected')
        await client.send(new GetCommand({ TableName: table, Key: { pk: 'HEALTH', sk: 'HEALTH' } }));
      if (mode === 'warm')
        for (let i = 0; i < 4; i++)
          await recordDeposit(d, {
            walletId,
            amountMinor: 1n,
            respond: () => ({ statusCode: 201, body: '{}' }),
          });
    }),
  );
  tally = t;
  const cpu = await cpuSeconds(jvmPid);
  let conflicts = 0;
  const firstDone: number[] = [];
  const finish: { first: number; done: number; conflicts: number }[] = [];
  const t0 = performance.now();
  await Promise.all(
    deps.map(async ({ deps: d }) => {
      const mine = { first: 0, done: 0, conflicts: 0 };
      finish.push(mine);
      for (let i = 0; i < per; i++) {
        const r = await recordDeposit(d, {
          walletId,
          amountMinor: 100n,
          respond: () => ({ statusCode: 201, body: '{}' }),
        });
        if (r.kind !== 'recorded') throw new Error(JSON.stringify(r));
        conflicts += r.conflicts;
        mine.conflicts += r.conflicts;
        if (i === 0) {
          mine.first = performance.now() - t0;
          firstDone.push(mine.first);
        }
      }
      mine.done = performance.now() - t0;
    }),
  );
  const ms = performance.now() - t0;
  const used = await cpuSince(jvmPid, cpu);
  tally = undefined;
  firstDone.sort((a, b) => a - b);
  if (process.env.TIMELINE && producers > 1)
    log(
      `  ${mode}: ${finish
        .sort((a, b) => a.done - b.done)
        .map((f) => `${f.first.toFixed(0)}→${f.done.toFixed(0)}${f.conflicts ? `(${f.conflicts}c)` : ''}`)
        .join(' ')}`,
    );
  return { deposits: producers * per, ms, conflicts, t, firstDone, used };
}

const ddb = await startDynamoDbLocal({ inMemory: true, tuning: 'throughput' });
const jvmPid = ddb.pid;
try {
  const table = 'hot-fresh';
  await ensureTable(
    new DynamoDBClient({ endpoint: ddb.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
    table,
  );
  await shape(ddb.endpoint, table, 'jvm-warm', 4, 25, 'fresh');
  await shape(ddb.endpoint, table, 'jvm-warm-2', 16, 25, 'warm');
  const sums: Record<
    string,
    { deposits: number; ms: number; conflicts: number; first: number[]; jvm: number; node: number }
  > = {};
  const add = (name: string, r: Awaited<ReturnType<typeof shape>>) => {
    const s = sums[name] ?? { deposits: 0, ms: 0, conflicts: 0, first: [], jvm: 0, node: 0 };
    sums[name] = s;
    s.jvm += r.used.jvm;
    s.node += r.used.node;
    s.deposits += r.deposits;
    s.ms += r.ms;
    s.conflicts += r.conflicts;
    s.first.push(r.firstDone[Math.floor(r.firstDone.length / 2)] ?? 0, r.firstDone.at(-1) ?? 0);
    log(
      `${name.padEnd(10)} ${((r.deposits / r.ms) * 1000).toFixed(0).padStart(4)}/s ${r.ms.toFixed(0)} ms conflicts ${r.conflicts} sleeps ${r.t.sleeps} (${r.t.sleepMs.toFixed(0)} ms) first done p50 ${r.firstDone[Math.floor(r.firstDone.length / 2)]?.toFixed(0)} max ${r.firstDone.at(-1)?.toFixed(0)} ms; requests ${JSON.stringify(Object.fromEntries(r.t.requests))} cancelled ${JSON.stringify(Object.fromEntries(r.t.cancelled))} ms/request ${[...r.t.ms].map(([k, v]) => `${k} ${(v / (r.t.requests.get(k) ?? 1)).toFixed(1)}`).join(' ')}`,
    );
  };
  for (let round = 0; round < ROUNDS; round++) {
    add('single', await shape(ddb.endpoint, table, `s-${round}`, 1, SINGLE, 'fresh'));
    // Base and this tree take turns going first: neither always runs right after the single producer.
    const pair = [
      async () => add('fresh', await shape(ddb.endpoint, table, `f-${round}`, 16, PER, 'fresh')),
      async () => {
        if (base) add('fresh-base', await shape(ddb.endpoint, table, `b-${round}`, 16, PER, 'fresh', base));
      },
    ];
    for (const run of round % 2 === 0 ? pair : pair.reverse()) await run();
    if (!process.env.SKIP_CONNECTED)
      add('connected', await shape(ddb.endpoint, table, `c-${round}`, 16, PER, 'connected'));
    add('warm', await shape(ddb.endpoint, table, `w-${round}`, 16, PER, 'warm'));
  }
  const single = (sums.single?.deposits ?? 0) / (sums.single?.ms ?? 1);
  for (const [name, s] of Object.entries(sums))
    log(
      `${name.padEnd(10)} ${((s.deposits / s.ms) * 1000).toFixed(0).padStart(4)}/s ÷1 ${(s.deposits / s.ms / single).toFixed(2)} conflicts/deposit ${(s.conflicts / s.deposits).toFixed(3)} cpu ms/deposit jvm ${((s.jvm / s.deposits) * 1000).toFixed(2)} node ${((s.node / s.deposits) * 1000).toFixed(2)}`,
    );
  log(
    `load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
} finally {
  await ddb.stop();
}
