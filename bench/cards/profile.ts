/**
 * `npx tsx bench/cards/profile.ts [--clients N] [--ops N]`: what one card authorization costs and
 * waits on, against DynamoDB Local: the DynamoDB calls per authorization by kind (and items per
 * transaction), the time in each kind and its percentiles (`callWaitMs`: is a slow authorization a
 * slow call, or a wait behind one?), the slowest authorizations and when in the run they ended, and
 * the decision-rule evaluation time. One account, group commit on, as the accounts function runs
 * it. Prints one JSON object.
 */
import { parseArgs } from 'node:util';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoEventStore } from '#adapters/dynamodb/event-store.ts';
import { startDynamoDbLocal } from '#adapters/local/dynamodb-local.ts';
import { type CardDeps, cardAction } from '#app/cards.ts';
import { enableGroupCommit } from '#app/group-commit.ts';
import { writeAnswerJson } from '#http/accounts-json.ts';
import { ensureTable, tableInput } from '#local/table.ts';
import { compileDecisionRules } from '#rules/decision-rules.ts';
import { CallCounter } from '../call-counter.ts';
import { localClients } from '../support.ts';

const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: '4' },
    ops: { type: 'string', default: '200' },
    // bench: the amounts and limit of bench/cards.ts (1..5000, limit 3,000,000), not 100 each.
    amounts: { type: 'string', default: 'fixed' },
    // Authorizations on another table first (32 clients, bench amounts), as the full bench does.
    preload: { type: 'string', default: '0' },
    // off: the preload table has no stream (is it the stream records that DynamoDB Local piles up?).
    'preload-stream': { type: 'string', default: 'on' },
  },
});
const CLIENTS = Number(args.clients);
const OPS = Number(args.ops);
const BENCH_AMOUNTS = args.amounts === 'bench';
const PRELOAD = Number(args.preload);

const compiled = compileDecisionRules(
  'single-purchase-max: amount_minor > 500000\nblocked-mcc: merchant.mcc in ["7995"]\n',
);
if (!compiled.ok) throw new Error('rules do not compile');
/** Rule evaluation timed around the compiled set. */
let ruleMs = 0;
let ruleCalls = 0;
const ruleSet = {
  ...compiled.ruleSet,
  evaluate: (input: Parameters<typeof compiled.ruleSet.evaluate>[0]) => {
    const t0 = performance.now();
    try {
      return compiled.ruleSet.evaluate(input);
    } finally {
      ruleMs += performance.now() - t0;
      ruleCalls++;
    }
  },
};

const ddb = await startDynamoDbLocal({ inMemory: true, tuning: 'throughput' });
const { raw, documents } = localClients(ddb.endpoint);
const calls = new CallCounter();
calls.attach(documents);
/** Each call's wait by command, for the tails: is a slow authorization a slow call, or waiting? */
const waits = new Map<string, number[]>();
/** Per 100 authorizations answered: their latencies and the calls made meanwhile. */
const windows = Array.from({ length: Math.ceil(OPS / 100) + 1 }, () => ({
  ms: [] as number[],
  calls: {} as Record<string, number>,
}));
let finishedCount = 0;
let counting = false;
documents.middlewareStack.add(
  (next, context) => async (callArgs) => {
    const started = performance.now();
    try {
      return await next(callArgs);
    } finally {
      const command = (context.commandName ?? 'unknown').replace(/Command$/, '');
      const window = counting ? windows[Math.floor(finishedCount / 100)] : undefined;
      if (window !== undefined) window.calls[command] = (window.calls[command] ?? 0) + 1;
      waits.set(command, [...(waits.get(command) ?? []), performance.now() - started]);
    }
  },
  { step: 'initialize', name: 'profileWaits', priority: 'low' },
);
let ids = 0;
const respond = (events: readonly Parameters<typeof writeAnswerJson>[1][number][]) => ({
  statusCode: 201,
  body: writeAnswerJson('acct', events),
});
let seed = 7;
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};
const amount = () => (BENCH_AMOUNTS ? BigInt(1 + Math.floor(random() * 5_000)) : 100n);
async function account(table: string, accountId: string, stream = true) {
  if (stream) await ensureTable(raw, table);
  else await raw.send(new CreateTableCommand(tableInput(table, { stream: false })));
  const store = new DynamoEventStore(documents, table);
  enableGroupCommit(store);
  const deps: CardDeps = {
    store,
    clock: { nowMs: () => Date.now() },
    ids: { newId: () => `p-${++ids}` },
    decisionRules: { current: () => Promise.resolve({ version: 0, ruleSet }) },
  };
  await cardAction(
    deps,
    { accountId, idempotency: { key: 'open', payloadHash: 'o' }, respond },
    { kind: 'open', creditLimit: BENCH_AMOUNTS ? 3_000_000n : 10n ** 12n, currency: 'EUR' },
  );
  return deps;
}
if (PRELOAD > 0) {
  const pre = await account('profile-preload', 'hot', args['preload-stream'] !== 'off');
  let n = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      for (let index = n++; index < PRELOAD; index = n++) {
        await cardAction(
          pre,
          { accountId: 'hot', idempotency: { key: `pre-${index}`, payloadHash: 'h' }, respond },
          { kind: 'authorize', amount: amount(), merchant: { id: 'm', name: 'M', mcc: '5942' } },
        );
      }
    }),
  );
}
const deps = await account('profile-cards', 'acct');
counting = true;
calls.reset();
waits.clear();
const latencies: number[] = [];
/** Each authorization in the order answered: where in the run the slow ones fall. */
const finished: { index: number; ms: number; atMs: number }[] = [];
let next = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: CLIENTS }, async () => {
    for (let index = next++; index < OPS; index = next++) {
      const t0 = performance.now();
      const result = await cardAction(
        deps,
        { accountId: 'acct', idempotency: { key: `k-${index}`, payloadHash: 'h' }, respond },
        { kind: 'authorize', amount: amount(), merchant: { id: 'm', name: 'M', mcc: '5942' } },
      );
      if (result.kind !== 'recorded') throw new Error(`profile: ${result.kind}`);
      latencies.push(performance.now() - t0);
      windows[Math.floor(finishedCount / 100)]?.ms.push(performance.now() - t0);
      finishedCount++;
      finished.push({ index, ms: performance.now() - t0, atMs: performance.now() - started });
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
await ddb.stop();
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return (
    Math.round((sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0) * 10) / 10
  );
};
const at = (p: number) => percentile(latencies, p);
process.stdout.write(
  `${JSON.stringify(
    {
      clients: CLIENTS,
      authorizations: OPS,
      perSecond: Math.round(OPS / seconds),
      p50Ms: at(50),
      p99Ms: at(99),
      calls: calls.perOperation(OPS),
      callWaitMs: Object.fromEntries(
        [...waits].map(([command, ms]) => [
          command,
          {
            p50: percentile(ms, 50),
            p90: percentile(ms, 90),
            p99: percentile(ms, 99),
            max: percentile(ms, 100),
          },
        ]),
      ),
      slowest: [...finished]
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 6)
        .map(({ index, ms, atMs }) => ({ index, ms: Math.round(ms), endedAtMs: Math.round(atMs) })),
      per100: windows
        .filter((window) => window.ms.length > 0)
        .map((window) => ({
          p50: percentile(window.ms, 50),
          p99: percentile(window.ms, 99),
          callsPerAuth: Object.fromEntries(
            Object.entries(window.calls).map(([k, v]) => [k, Math.round((v / window.ms.length) * 100) / 100]),
          ),
        })),
      ruleEvaluationMeanMs: Math.round((ruleMs / ruleCalls) * 1000) / 1000,
      ruleEvaluationsPerAuthorization: Math.round((ruleCalls / OPS) * 100) / 100,
    },
    null,
    2,
  )}\n`,
);
