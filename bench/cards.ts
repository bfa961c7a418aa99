/**
 * `npm run bench:cards [-- --quick] [-- --json <file>]` — card authorizations, ours against a
 * baseline written here, in one process, same run, each scenario on a fresh DynamoDB Local:
 *
 * - ours: `cardAction` (app/cards.ts), as the accounts function runs it: the account's log folded,
 *   the decision rules evaluated, the decision (approved or declined) appended to lane 0 with its
 *   idempotency record, conditioned on lane 0's head; a client told `contended` retries with the
 *   same key, as the HTTP client does after a 503.
 * - baseline: one account item with `owed`, `pending`, `limit` (and `available`, since a condition
 *   expression cannot do arithmetic) updated by one conditional UpdateItem: approved when the
 *   condition holds, declined when it fails. Nothing else is written: no log, no key, no outbox.
 *
 * Scenarios: 32 clients on one hot account; 32 clients over 500 cold accounts; 4 clients on one
 * account for the latency goal (p99 ≤ 100 ms). Then the checks: no approval past the limit, and
 * every answered decision published once by the stream outbox (bench/cards/outbox.ts).
 *
 * The decision rules are the shipped ones without `velocity`: ten approvals in ten minutes would
 * decline nearly everything on a hot account, and a bench of declines measures less.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoEventStore } from '#adapters/dynamodb/event-store.ts';
import { startDynamoDbLocal } from '#adapters/local/dynamodb-local.ts';
import { type CardDeps, CONTENDED_BUDGET, cardAction } from '#app/cards.ts';
import { enableGroupCommit } from '#app/group-commit.ts';
import { readWallet } from '#app/read-events.ts';
import { accountBalance } from '#domain/card/statement.ts';
import { foldWallet, initialWalletState } from '#domain/wallet.ts';
import { writeAnswerJson } from '#http/accounts-json.ts';
import { ensureTable } from '#local/table.ts';
import { compileDecisionRules } from '#rules/decision-rules.ts';
import { publishedDecisions } from './cards/outbox.ts';
import { prng } from './prng.ts';
import { localClients, printTable } from './support.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
    // As the functions run it (on), or each command alone (off): the before/after of group commit.
    'group-commit': { type: 'string', default: 'on' },
    // Separate stores, each with its own group commit: the clients spread over N function instances.
    instances: { type: 'string', default: '1' },
    // off: a contended command answers 503 at once (no retry rounds in the app): the before of them.
    'contended-retries': { type: 'string', default: 'on' },
  },
  allowPositionals: false,
});
const GROUP_COMMIT = args['group-commit'] !== 'off';
const INSTANCES = Math.max(1, Number(args.instances) || 1);
const CONTENDED_RETRIES_IN_APP = args['contended-retries'] !== 'off';
const QUICK = args.quick === true;
const CLIENTS = 32;
const LATENCY_CLIENTS = 4;
const OPS = QUICK ? 400 : 1_500;
const LATENCY_OPS = QUICK ? 150 : 400;
const AMOUNT_MAX = 5_000; // up to 50.00 an authorization, 25.00 on average
// The hot account runs out of credit about four fifths of the way: approvals and declines both.
const HOT_LIMIT = BigInt(Math.round(OPS * 2_500 * 0.8));
const COLD_LIMIT = 100_000n;
const CONTENDED_RETRIES = 20;

const rules = compileDecisionRules(
  'single-purchase-max: amount_minor > 500000\nblocked-mcc: merchant.mcc in ["7995"]\n',
);
if (!rules.ok) throw new Error('bench rules do not compile');
const ruleSet = rules.ruleSet;

let ddb = await startDynamoDbLocal({ inMemory: true, tuning: 'throughput' });
let { raw, documents } = localClients(ddb.endpoint);
/**
 * A new DynamoDB Local for the next scenario. DynamoDB Local keeps every stream record of every
 * table in the one JVM, and each write (and read) slows as they pile up: 5,000 authorizations on
 * another table first took a new account's TransactWriteItems from p50 12 to 110 ms, and the same
 * 5,000 on a table with no stream left it at 12 ms (bench/cards/profile.ts --preload 5000
 * [--preload-stream off]). DynamoDB itself keeps a table's stream apart from other tables' writes.
 */
async function freshDynamoDbLocal() {
  raw.destroy();
  documents.destroy();
  await ddb.stop();
  ddb = await startDynamoDbLocal({ inMemory: true, tuning: 'throughput' });
  ({ raw, documents } = localClients(ddb.endpoint));
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Run {
  approved: number;
  declined: number;
  failed: number;
  latencies: number[];
  seconds: number;
  /** Ours only: each answered decision's id and body, for the outbox check. */
  answered: Map<string, string>;
}

type Decide = (
  accountId: string,
  amount: bigint,
  index: number,
  client: number,
) => Promise<'approved' | 'declined' | 'failed'>;

/** `ops` authorizations over `accounts` by `clients` concurrent clients. */
async function drive(accounts: readonly string[], clients: number, ops: number, decide: Decide) {
  const random = prng(7);
  const asked = Array.from({ length: ops }, () => ({
    accountId: accounts[Math.floor(random() * accounts.length)] as string,
    amount: BigInt(1 + Math.floor(random() * AMOUNT_MAX)),
  }));
  const run: Run = { approved: 0, declined: 0, failed: 0, latencies: [], seconds: 0, answered: new Map() };
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let index = next++; index < asked.length; index = next++) {
        const { accountId, amount } = asked[index] as (typeof asked)[number];
        const t0 = performance.now();
        const outcome = await decide(accountId, amount, index, client).catch(() => 'failed' as const);
        run.latencies.push(performance.now() - t0);
        run[outcome]++;
        const done = run.approved + run.declined + run.failed;
        if (done % 100 === 0) {
          // Each 100 answered: is an authorization slower as the run goes on (history, declines)?
          const window = run.latencies.slice(-100);
          process.stderr.write(
            `  … ${done}/${ops} (last 100: p50 ${percentile(window, 50)} p99 ${percentile(window, 99)} ms, ${run.declined} declined)\n`,
          );
        }
      }
    }),
  );
  run.seconds = (performance.now() - started) / 1000;
  process.stderr.write(
    `  ${accounts.length} account(s), ${clients} clients: ${run.approved} approved, ${run.declined} declined, ${run.failed} failed in ${run.seconds.toFixed(1)} s\n`,
  );
  return run;
}

async function ours(table: string, accounts: readonly string[], limit: bigint, clients: number, ops: number) {
  const created = await ensureTable(raw, table);
  let ids = 0;
  // One store per function instance: group commit batches the commands of one store (one process).
  const instances = Array.from({ length: INSTANCES }, (): CardDeps => {
    const store = new DynamoEventStore(documents, table);
    if (GROUP_COMMIT) enableGroupCommit(store);
    return {
      store,
      clock: { nowMs: () => Date.now() },
      ids: { newId: () => `${table}-${++ids}` },
      decisionRules: { current: () => Promise.resolve({ version: 0, ruleSet }) },
      ...(CONTENDED_RETRIES_IN_APP ? {} : { contendedBudget: { ...CONTENDED_BUDGET, rounds: 1 } }),
    };
  });
  const deps = instances[0] as CardDeps;
  const store = deps.store;
  const respond =
    (accountId: string) => (events: readonly Parameters<typeof writeAnswerJson>[1][number][]) => ({
      statusCode: 201,
      body: writeAnswerJson(accountId, events),
    });
  for (const accountId of accounts) {
    const opened = await cardAction(
      deps,
      {
        accountId,
        idempotency: { key: `open-${accountId}`, payloadHash: 'open' },
        respond: respond(accountId),
      },
      { kind: 'open', creditLimit: limit, currency: 'EUR' },
    );
    if (opened.kind !== 'recorded') throw new Error(`bench: ${accountId} not opened (${opened.kind})`);
  }
  const merchant = { id: 'm-42', name: 'Book Shop', mcc: '5942' };
  const retry = prng(13);
  const answered = new Map<string, string>();
  let contendedAnswers = 0;
  const decide: Decide = async (accountId, amount, index, client) => {
    const key = `${table}-auth-${index}`;
    for (let attempt = 0; attempt <= CONTENDED_RETRIES; attempt++) {
      const result = await cardAction(
        instances[client % INSTANCES] as CardDeps,
        { accountId, idempotency: { key, payloadHash: `auth-${amount}` }, respond: respond(accountId) },
        { kind: 'authorize', amount, merchant },
      );
      if (result.kind === 'recorded' || result.kind === 'replayed') {
        const body = result.response.body;
        const parsed = JSON.parse(body) as { authorizationId: string; decision: string };
        answered.set(parsed.authorizationId, body);
        return parsed.decision === 'approved' ? 'approved' : 'declined';
      }
      if (result.kind !== 'contended') return 'failed';
      contendedAnswers++;
      await sleep(retry() * Math.min(50, 2 * 2 ** attempt));
    }
    return 'failed';
  };
  const run = await drive(accounts, clients, ops, decide);
  run.answered = answered;
  // Over the limit: an account whose owed + pending passed its limit, read back from its log.
  let overLimit = 0;
  for (const accountId of accounts) {
    const balance = accountBalance(foldWallet(await readWallet(store, accountId), initialWalletState()), 0);
    if (balance === undefined || balance.available < 0n) overLimit++;
  }
  const published = await publishedDecisions(ddb.endpoint, created.streamArn, store);
  return { run, overLimit, published, contendedAnswers };
}

async function baseline(
  table: string,
  accounts: readonly string[],
  limit: bigint,
  clients: number,
  ops: number,
) {
  await ensureTable(raw, table);
  const key = (accountId: string) => ({ pk: `ACCOUNT#${accountId}`, sk: 'ACCOUNT' });
  for (const accountId of accounts) {
    await documents.send(
      new PutCommand({
        TableName: table,
        Item: { ...key(accountId), owed: 0n, pending: 0n, limit, available: limit },
      }),
    );
  }
  const run = await drive(accounts, clients, ops, async (accountId, amount) => {
    try {
      await documents.send(
        new UpdateCommand({
          TableName: table,
          Key: key(accountId),
          UpdateExpression: 'SET pending = pending + :amount, available = available - :amount',
          ConditionExpression: 'available >= :amount',
          ExpressionAttributeValues: { ':amount': amount },
        }),
      );
      return 'approved';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'declined';
      return 'failed';
    }
  });
  let overLimit = 0;
  for (const accountId of accounts) {
    const item = await documents.send(
      new GetCommand({ TableName: table, Key: key(accountId), ConsistentRead: true }),
    );
    if (BigInt(String(item.Item?.available ?? -1)) < 0n) overLimit++;
  }
  return { run, overLimit };
}

const percentile = (values: readonly number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
  return Math.round(at * 10) / 10;
};
const rate = (run: Run) => Math.round((run.approved + run.declined) / run.seconds);
const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;

const hot = ['hot-1'];
const cold = Array.from({ length: 500 }, (_, index) => `cold-${index}`);
// Every scenario, ours and the baseline alike, on a DynamoDB Local that holds only its own table:
// the emulator keeps every table's stream records in one JVM and slows as they pile up (see
// freshDynamoDbLocal), so whichever side ran second was charged for the first side's records
// (before, each baseline ran after ours, and the latency scenario after 6,000 authorizations).
const hotOurs = await ours('bench-cards-hot', hot, HOT_LIMIT, CLIENTS, OPS);
await freshDynamoDbLocal();
const hotBase = await baseline('bench-cards-hot-baseline', hot, HOT_LIMIT, CLIENTS, OPS);
await freshDynamoDbLocal();
const coldOurs = await ours('bench-cards-cold', cold, COLD_LIMIT, CLIENTS, OPS);
await freshDynamoDbLocal();
const coldBase = await baseline('bench-cards-cold-baseline', cold, COLD_LIMIT, CLIENTS, OPS);
await freshDynamoDbLocal();
const slowOurs = await ours('bench-cards-latency', ['lat-1'], HOT_LIMIT, LATENCY_CLIENTS, LATENCY_OPS);
await freshDynamoDbLocal();
const slowBase = await baseline(
  'bench-cards-latency-baseline',
  ['lat-1'],
  HOT_LIMIT,
  LATENCY_CLIENTS,
  LATENCY_OPS,
);
await ddb.stop();

const oursRuns = [hotOurs, coldOurs, slowOurs];
let published = 0;
let duplicates = 0;
let unpublished = 0;
let differing = 0;
for (const { run, published: outbox } of oursRuns) {
  published += outbox.decisionIds.length;
  duplicates += outbox.decisionIds.length - new Set(outbox.decisionIds).size;
  for (const [id, body] of run.answered) {
    const data = outbox.decisionData.get(id);
    if (data === undefined) unpublished++;
    else if (data !== body) differing++;
  }
}
const result = {
  groupCommit: GROUP_COMMIT,
  instances: INSTANCES,
  contendedRetriesInApp: CONTENDED_RETRIES_IN_APP,
  clients: CLIENTS,
  authorizationsPerScenario: OPS,
  authorizationsPerSecond: rate(hotOurs.run),
  baselineAuthorizationsPerSecond: rate(hotBase.run),
  hotAuthorizeRatio: ratio(rate(hotOurs.run), rate(hotBase.run)),
  coldAuthorizationsPerSecond: rate(coldOurs.run),
  coldBaselineAuthorizationsPerSecond: rate(coldBase.run),
  coldAuthorizeRatio: ratio(rate(coldOurs.run), rate(coldBase.run)),
  latencyClients: LATENCY_CLIENTS,
  latencyP50Ms: percentile(slowOurs.run.latencies, 50),
  latencyP99Ms: percentile(slowOurs.run.latencies, 99),
  baselineLatencyP50Ms: percentile(slowBase.run.latencies, 50),
  baselineLatencyP99Ms: percentile(slowBase.run.latencies, 99),
  hotLatencyMs: { p50: percentile(hotOurs.run.latencies, 50), p99: percentile(hotOurs.run.latencies, 99) },
  approved: {
    ours: hotOurs.run.approved + coldOurs.run.approved,
    baseline: hotBase.run.approved + coldBase.run.approved,
  },
  declined: {
    ours: hotOurs.run.declined + coldOurs.run.declined,
    baseline: hotBase.run.declined + coldBase.run.declined,
  },
  overLimitApprovals: oursRuns.reduce((sum, r) => sum + r.overLimit, 0),
  baselineOverLimitApprovals: hotBase.overLimit + coldBase.overLimit + slowBase.overLimit,
  decisionsAnswered: oursRuns.reduce((sum, r) => sum + r.run.answered.size, 0),
  decisionsPublished: published,
  decisionsPublishedTwice: duplicates,
  decisionsAnsweredNotPublished: unpublished,
  decisionsPublishedOtherThanAnswered: differing,
  failedRequests: oursRuns.reduce((sum, r) => sum + r.run.failed, 0),
  /** 503 contended answers clients saw (and retried with the same key), after the app's own retries. */
  contendedAnswers: oursRuns.reduce((sum, r) => sum + r.contendedAnswers, 0),
  baselineFailedRequests: hotBase.run.failed + coldBase.run.failed + slowBase.run.failed,
};
printTable(
  ['scenario', 'ours /s', 'baseline /s', 'ratio', 'ours p50/p99 ms'],
  [
    [
      'hot (1 account, 32 clients)',
      String(result.authorizationsPerSecond),
      String(result.baselineAuthorizationsPerSecond),
      String(result.hotAuthorizeRatio),
      `${result.hotLatencyMs.p50}/${result.hotLatencyMs.p99}`,
    ],
    [
      'cold (500 accounts, 32 clients)',
      String(result.coldAuthorizationsPerSecond),
      String(result.coldBaselineAuthorizationsPerSecond),
      String(result.coldAuthorizeRatio),
      '',
    ],
    [
      'latency (1 account, 4 clients)',
      String(rate(slowOurs.run)),
      String(rate(slowBase.run)),
      String(ratio(rate(slowOurs.run), rate(slowBase.run))),
      `${result.latencyP50Ms}/${result.latencyP99Ms}`,
    ],
  ],
);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
if (args.json !== undefined) await writeFile(args.json, `${JSON.stringify(result, null, 2)}\n`);
