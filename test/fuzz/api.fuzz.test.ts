import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_RULES_TEXT } from '#app/default-rules.ts';
import { FUNCTIONS, type RouteSpec } from '../../lib/wiring.ts';
import { type FuzzEnvironment, fuzzEnvironment } from './fixture.ts';
import { type ApiRequest, type InProcessApi, inProcessApi } from './in-process-api.ts';
import { type FuzzCase, type RequestSpace, requestSpace } from './requests.ts';
import type { FuzzPools } from './routes.ts';
import { type Finding, HandlerLogs, runCase } from './runner.ts';
import { changedKeys, digestStore, type StoreDigest, watchWrites } from './store-watch.ts';

/**
 * Issue 10 §2: every route of the wiring table, driven in process with generated hostile requests
 * (TALLY_FUZZ_REQUESTS, 100,000 by default; `npm run fuzz` runs more). Every answer must be a 2xx
 * or a 4xx problem+json, within the function's timeout; a rejected request must change nothing
 * (checked per request from the SDK writes it made, and per batch against a scan of the table and
 * the queue counts). Each run has a fresh seed, printed; TALLY_FUZZ_SEED repeats one.
 */
const TOTAL = Number(process.env.TALLY_FUZZ_REQUESTS ?? 100_000);
const SEED = Number(process.env.TALLY_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const BATCH = 5_000;
const CONCURRENCY = Number(process.env.TALLY_FUZZ_CONCURRENCY ?? 8);
/** Findings of one kind on one route that get searched for and shrunk to a minimal request. */
const SHRINK_MAX = 4;
/** Also count the answers per problem type (to see which checks the requests reach). */
const VERBOSE = process.env.TALLY_FUZZ_VERBOSE === '1';

const ROUTES: RouteSpec[] = FUNCTIONS.flatMap((spec) => spec.routes ?? []);

let env: FuzzEnvironment;
let api: InProcessApi;
let unwatch: () => void;
const logs = new HandlerLogs();

const json = (body: unknown) => Buffer.from(JSON.stringify(body), 'utf8');
const request = (method: string, target: string, body: Buffer, token?: string): ApiRequest => ({
  method,
  target,
  headers: [
    ['content-type', 'application/json'],
    ...(token ? [['authorization', `Bearer ${token}`] as const] : []),
  ],
  body,
});

/** Wallets with deposits and one job of each kind, so generated requests can name real things. */
async function seedPools(): Promise<FuzzPools> {
  const wallets = ['fuzz-w1', 'fuzz-w2', 'fuzz-w3', 'fuzz-w4', 'fuzz-w5', 'fuzz-w6'];
  const eventIds: string[] = [];
  for (const wallet of wallets) {
    for (const amount of ['10.5', '20']) {
      const { reply } = await api.send(
        request('POST', '/deposit', json({ WalletID: wallet, Amount: amount })),
      );
      expect(reply.statusCode, reply.body.toString()).toBe(201);
      eventIds.push((JSON.parse(reply.body.toString()) as { EventID: string }).EventID);
    }
  }
  const job = async (target: string, body: unknown) => {
    const { reply } = await api.send(request('POST', target, json(body), env.adminToken));
    expect(reply.statusCode, reply.body.toString()).toBe(202);
    return (JSON.parse(reply.body.toString()) as { jobId: string }).jobId;
  };
  return {
    wallets,
    eventIds,
    replayJobs: [await job('/replay', { dryRun: true })],
    backtestJobs: [await job('/rules/backtest', { rules: DEFAULT_RULES_TEXT })],
  };
}

beforeAll(async () => {
  env = await fuzzEnvironment(inject('dynamodbEndpoint'));
  api = inProcessApi(FUNCTIONS);
  unwatch = watchWrites();
  logs.capture();
}, 60_000);

afterAll(async () => {
  logs.release();
  unwatch?.();
  await env?.close();
});

/** Runs `cases` with at most CONCURRENCY in flight. */
async function runBatch(cases: FuzzCase[], where: (index: number) => string) {
  const results = new Array<Awaited<ReturnType<typeof runCase>>>(cases.length);
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const index = next++;
      results[index] = await runCase(api, cases[index] as FuzzCase, logs, where(index));
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return results;
}

/** Searches one route's requests for the same kind of finding and lets fast-check shrink it. */
async function minimalCase(space: RequestSpace, finding: Finding): Promise<string | undefined> {
  const arbitrary = space.byRoute.get(finding.routeKey);
  if (arbitrary === undefined) return undefined;
  const details = await fc.check(
    fc.asyncProperty(arbitrary, async (fuzzCase) => {
      const result = await runCase(api, fuzzCase, logs, 'shrink');
      return result.finding?.kind !== finding.kind || result.finding.signature !== finding.signature;
    }),
    { seed: SEED, numRuns: 3_000, interruptAfterTimeLimit: 20_000 },
  );
  const found = details.counterexample?.[0];
  if (!details.failed || found === undefined) return undefined;
  const again = await runCase(api, found, logs, 'shrunk');
  return `${again.finding?.request ?? ''}\n    → ${again.status} ${again.finding?.detail ?? ''} ${again.finding?.cause ?? ''}`;
}

describe('fuzz: every route of the wiring table, in process', () => {
  it(
    `${TOTAL} generated requests: only 2xx or 4xx problems, no hang, no change from a rejected request`,
    async () => {
      const pools = await seedPools();
      const space = requestSpace(ROUTES, pools, env.adminToken);
      const findings: Finding[] = [];
      const perRoute = new Map<string, Record<string, number>>();
      let checkedBatches = 0;
      let before: StoreDigest = await digestStore(env.dynamodb, env.tableName, env.sqs, env.queueUrls);
      const started = performance.now();
      const cpuStarted = process.cpuUsage();

      for (let batch = 0, done = 0; done < TOTAL; batch++) {
        const count = Math.min(BATCH, TOTAL - done);
        const cases = fc.sample(space.all, { seed: SEED + batch, numRuns: count });
        const results = await runBatch(cases, (index) => `seed ${SEED}, batch ${batch}, index ${index}`);
        done += count;

        const excusedKeys = new Set<string>();
        let sentMessages = 0;
        for (const [index, result] of results.entries()) {
          const routeKey = (cases[index] as FuzzCase).routeKey;
          const counts = perRoute.get(routeKey) ?? {};
          const bucket = `${Math.floor(result.status / 100)}xx`;
          counts[bucket] = (counts[bucket] ?? 0) + 1;
          if (VERBOSE && result.problemType)
            counts[result.problemType] = (counts[result.problemType] ?? 0) + 1;
          if (VERBOSE) counts.ms = (counts.ms ?? 0) + Math.round(result.trace.ms);
          if (VERBOSE) counts.calls = (counts.calls ?? 0) + result.trace.calls;
          perRoute.set(routeKey, counts);
          if (result.finding) findings.push(result.finding);
          // Successes may change the store; so may a 5xx (already a finding of its own).
          if (result.status < 400 || result.status >= 500) {
            for (const key of result.trace.itemKeys) excusedKeys.add(key);
            sentMessages += result.trace.messages;
          }
        }
        const after = await digestStore(env.dynamodb, env.tableName, env.sqs, env.queueUrls);
        const unexplained = changedKeys(before, after).filter((key) => !excusedKeys.has(key));
        const where = `seed ${SEED}, batch ${batch}`;
        if (unexplained.length > 0) {
          findings.push({
            kind: 'store-changed',
            routeKey: '(batch)',
            detail: `items no successful request wrote changed: ${unexplained.slice(0, 5).join(', ').replaceAll('\u0000', ' / ')}`,
            where,
            signature: 'table',
          });
        }
        if (after.messages - before.messages !== sentMessages) {
          findings.push({
            kind: 'queue-changed',
            routeKey: '(batch)',
            detail: `queues grew by ${after.messages - before.messages}; successful requests sent ${sentMessages}`,
            where,
            signature: 'queues',
          });
        }
        checkedBatches++;
        before = after;
      }
      const seconds = (performance.now() - started) / 1000;
      const cpu = process.cpuUsage(cpuStarted);
      const cpuSeconds = (cpu.user + cpu.system) / 1e6;

      const fiveXx = findings.filter((f) => ['5xx', 'handler-threw', 'timeout'].includes(f.kind)).length;
      const lines = [
        `fuzz: ${TOTAL} requests, ${fiveXx} 5xx, ${seconds.toFixed(1)} s (seed ${SEED}, ${CONCURRENCY} in flight, ` +
          `${cpuSeconds.toFixed(1)} s CPU in this process, ` +
          `${checkedBatches} store digests of ${before.items.size} items)`,
        ...[...perRoute.entries()].map(
          ([route, counts]) => `  ${route.padEnd(40)} ${JSON.stringify(counts)}`,
        ),
      ];
      if (space.fallbacks.length > 0) {
        lines.push(
          `  routes without an entry in test/fuzz/routes.ts (generic requests): ${space.fallbacks.join(', ')}`,
        );
      }

      // One example per kind and route, the first of each shrunk to a minimal request.
      const groups = new Map<string, Finding[]>();
      for (const finding of findings) {
        const key = `${finding.kind} on ${finding.routeKey} (${finding.signature.trim()})`;
        groups.set(key, [...(groups.get(key) ?? []), finding]);
      }
      let shrunk = 0;
      for (const [key, group] of groups) {
        const first = group[0] as Finding;
        lines.push(`FINDING ${key}: ${group.length}× — ${first.status ?? ''} ${first.detail}`);
        lines.push(`  at ${first.where}${first.cause ? `\n  cause: ${first.cause}` : ''}`);
        if (first.request) lines.push(`  request:\n    ${first.request}`);
        if (first.routeKey !== '(batch)' && shrunk < SHRINK_MAX) {
          shrunk++;
          const minimal = await minimalCase(space, first);
          if (minimal) lines.push(`  minimal (fast-check shrunk, seed ${SEED}):\n    ${minimal}`);
        }
      }
      console.log(lines.join('\n'));

      for (const route of ROUTES) {
        const counts = perRoute.get(`${route.method} ${route.path}`) ?? {};
        const driven = Object.values(counts).reduce((sum, n) => sum + n, 0);
        // Every route gets a real share; light routes (health, rules) are weighted low on purpose,
        // so the floor is a count (a thirtieth of an even share, at most 100), not a fraction that
        // a seed can undercut. 98 of 100 000 over 49 routes met a twentieth only just short.
        expect(driven, `${route.method} ${route.path} was driven`).toBeGreaterThan(
          Math.min(TOTAL / ROUTES.length / 30, 100),
        );
      }
      expect(findings.map((f) => `${f.kind} on ${f.routeKey} (${f.where})`)).toEqual([]);
    },
    30 * 60_000,
  );
});
