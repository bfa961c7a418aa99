/**
 * `npx tsx bench/cards/profile.ts [--clients N] [--ops N]`: what one card authorization costs and
 * waits on, against DynamoDB Local: the DynamoDB calls per authorization by kind (and items per
 * transaction), the time in each kind and its percentiles (`callWaitMs`: is a slow authorization a
 * slow call, or a wait behind one?), the slowest authorizations and when in the run they ended, and
 * the decision-rule evaluation time. One account, group commit on, as the accounts function runs
 * it. Prints one JSON object.
 */
import { parseArgs } from 'node:util';
import { DynamoEventStore } from '#adapters/dynamodb/event-store.ts';
import { startDynamoDbLocal } from '#adapters/local/dynamodb-local.ts';
import { ensureTable } from '#adapters/local/table.ts';
import { type CardDeps, cardAction } from '#app/cards.ts';
import { enableGroupCommit } from '#app/group-commit.ts';
import { writeAnswerJson } from '#http/accounts-json.ts';
import { compileDecisionRules } from '#rules/decision-rules.ts';
import { CallCounter } from '../call-counter.ts';
import { localClients } from '../support.ts';

const { values: args } = parseArgs({
  options: { clients: { type: 'string', default: '4' }, ops: { type: 'string', default: '200' } },
});
const CLIENTS = Number(args.clients);
const OPS = Number(args.ops);

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
documents.middlewareStack.add(
  (next, context) => async (callArgs) => {
    const started = performance.now();
    try {
      return await next(callArgs);
    } finally {
      const command = (context.commandName ?? 'unknown').replace(/Command$/, '');
      waits.set(command, [...(waits.get(command) ?? []), performance.now() - started]);
    }
  },
  { step: 'initialize', name: 'profileWaits', priority: 'low' },
);
const table = 'profile-cards';
await ensureTable(raw, table);
const store = new DynamoEventStore(documents, table);
enableGroupCommit(store);
let ids = 0;
const deps: CardDeps = {
  store,
  clock: { nowMs: () => Date.now() },
  ids: { newId: () => `p-${++ids}` },
  decisionRules: { current: () => Promise.resolve({ version: 0, ruleSet }) },
};
const respond = (events: readonly Parameters<typeof writeAnswerJson>[1][number][]) => ({
  statusCode: 201,
  body: writeAnswerJson('acct', events),
});
await cardAction(
  deps,
  { accountId: 'acct', idempotency: { key: 'open', payloadHash: 'o' }, respond },
  { kind: 'open', creditLimit: 10n ** 12n, currency: 'EUR' },
);
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
        { kind: 'authorize', amount: 100n, merchant: { id: 'm', name: 'M', mcc: '5942' } },
      );
      if (result.kind !== 'recorded') throw new Error(`profile: ${result.kind}`);
      latencies.push(performance.now() - t0);
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
      ruleEvaluationMeanMs: Math.round((ruleMs / ruleCalls) * 1000) / 1000,
      ruleEvaluationsPerAuthorization: Math.round((ruleCalls / OPS) * 100) / 100,
    },
    null,
    2,
  )}\n`,
);
