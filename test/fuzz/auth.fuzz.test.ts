import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import fc, { type Arbitrary } from 'fast-check';
import { importJWK, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  DEV_ALGORITHM,
  DEV_AUDIENCE,
  DEV_ISSUER,
  type DevIssuer,
  loadDevIssuer,
} from '../../functions/adapters/local/dev-issuer.ts';
import { REQUEST_BODY_BYTES_MAX } from '../../functions/local/http-body.ts';
import type { HttpReply } from '../../functions/local/http-reply.ts';
import { createLocalAuthorizer } from '../../functions/local/local-authorizer.ts';
import { FUNCTIONS, isAdminRoute, type RouteSpec } from '../../lib/wiring.ts';
import { type FuzzEnvironment, fuzzEnvironment } from './fixture.ts';
import { type ApiRequest, type InProcessApi, inProcessApi } from './in-process-api.ts';
import { type FuzzPools, routeFuzzTable } from './routes.ts';
import { type CaseResult, HandlerLogs, runCase } from './runner.ts';
import { changedKeys, digestStore, watchWrites } from './store-watch.ts';

/**
 * The fuzz suite with the local JWT path on (`npm start -- --auth`): the same routes, through the
 * local runtime's own authorizer and dev issuer, with tokens that are missing, garbled, expired,
 * signed by another issuer, for another audience, lacking the route's scope, or bound to another
 * wallet (each must answer 401 or 403 as a problem and change nothing), and valid ones, which must
 * get what the same request gets with auth off. TALLY_FUZZ_AUTH_REQUESTS (default 2,000) and
 * TALLY_FUZZ_SEED as in api.fuzz.test.ts.
 */
const TOTAL = Number(process.env.TALLY_FUZZ_AUTH_REQUESTS ?? 2_000);
const SEED = Number(process.env.TALLY_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const WALLETS = ['auth-w1', 'auth-w2', 'auth-w3'];

const ROUTES = FUNCTIONS.flatMap((spec) => spec.routes ?? []).filter(
  (route): route is RouteSpec & { auth: { scopes: string[] } } => 'scopes' in route.auth,
);
const SCOPES = [...new Set(ROUTES.flatMap((route) => route.auth.scopes))];

const DENIED = {
  missing: 401,
  garbled: 401,
  expired: 401,
  'other-issuer': 401,
  'other-audience': 401,
  'wrong-scope': 403,
  'other-wallet': 403,
} as const;
type TokenKind = keyof typeof DENIED | 'valid';

/** Routes whose wallet the per-wallet check reads without parsing a body: the path, or a body we write. */
const walletOf = (route: RouteSpec) =>
  route.path.includes('{wallet_id}') ||
  ['POST /deposit', 'POST /transfers'].includes(`${route.method} ${route.path}`);

interface TokenSpec {
  walletId: string;
  extraScopes: string[];
  bound: boolean;
  garbage: string;
}

interface AuthCase {
  routeKey: string;
  route: RouteSpec;
  kind: TokenKind;
  /** What the token is made from (signing is async, so it is minted when the case runs). */
  token: TokenSpec;
  request: ApiRequest;
}

let env: FuzzEnvironment;
let withAuth: InProcessApi;
let withoutAuth: InProcessApi;
let issuer: DevIssuer;
let stranger: DevIssuer;
let signRaw: (claims: JWTPayload, audience: string, expires: string) => Promise<string>;
let unwatch: () => void;
const dirs: string[] = [];
const logs = new HandlerLogs();

beforeAll(async () => {
  env = await fuzzEnvironment(inject('dynamodbEndpoint'));
  for (let i = 0; i < 2; i++) dirs.push(await mkdtemp(path.join(tmpdir(), 'tally-auth-fuzz-')));
  issuer = await loadDevIssuer(dirs[0] as string);
  stranger = await loadDevIssuer(dirs[1] as string);
  // The dev issuer's own key, to sign what its `sign` will not: another audience.
  const keys = JSON.parse(await readFile(issuer.keyFile, 'utf8')) as { kid: string; privateJwk: JWTPayload };
  const privateKey = await importJWK({ ...keys.privateJwk, alg: DEV_ALGORITHM }, DEV_ALGORITHM);
  signRaw = (claims, audience, expires) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: DEV_ALGORITHM, kid: keys.kid })
      .setIssuer(DEV_ISSUER)
      .setAudience(audience)
      .setExpirationTime(expires)
      .sign(privateKey);
  withAuth = inProcessApi(FUNCTIONS, undefined, createLocalAuthorizer({ mode: 'jwt', issuer }));
  withoutAuth = inProcessApi(FUNCTIONS);
  unwatch = watchWrites();
  logs.capture();
}, 60_000);

afterAll(async () => {
  logs.release();
  unwatch?.();
  await env?.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const json = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');

/** Ids that exist or not, but route cleanly: the authorizer must answer before any handler looks. */
const PARAMS: Record<string, string> = {
  hold_id: 'h1',
  offer_id: `${Buffer.from('auth-w1').toString('base64url')}.o1`,
  jobId: 'j1',
  version: '1',
};

/** The route's path with its parameters filled (the wallet with `walletId`). */
const targetOf = (route: RouteSpec, walletId: string): string =>
  route.path.replace(/\{([A-Za-z0-9_]+)\}/g, (_whole, name: string) =>
    name === 'wallet_id' ? walletId : (PARAMS[name] ?? 'x'),
  );

/** A body: a well-formed one naming `walletId` for deposits and transfers, else the fuzz table's. */
function bodyArbitrary(route: RouteSpec, pools: FuzzPools, walletId: string): Arbitrary<Buffer> {
  const routeKey = `${route.method} ${route.path}`;
  if (route.method === 'GET') return fc.constant(Buffer.alloc(0));
  const other = WALLETS.find((candidate) => candidate !== walletId) as string;
  if (routeKey === 'POST /deposit') return fc.constant(json({ WalletID: walletId, Amount: '1' }));
  if (routeKey === 'POST /transfers')
    return fc.constant(json({ from: walletId, to: other, asset: 'money', amount: '0.01' }));
  const text = routeFuzzTable(pools)[routeKey]?.body ?? fc.constant('');
  return text.map((body) => Buffer.from(body, 'utf8'));
}

function caseArbitrary(pools: FuzzPools): Arbitrary<AuthCase> {
  return fc
    .record({
      route: fc.constantFrom(...ROUTES),
      walletRoute: fc.constantFrom(...ROUTES.filter((candidate) => walletOf(candidate))),
      kind: fc.constantFrom<TokenKind>(...(Object.keys(DENIED) as TokenKind[]), 'valid', 'valid', 'valid'),
      walletId: fc.constantFrom(...WALLETS),
      extraScopes: fc.subarray(SCOPES, { maxLength: 3 }),
      bound: fc.boolean(),
      key: fc.uuid(),
      garbage: fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.constantFrom(
          'Bearer',
          'Bearer ',
          'Basic dXNlcjpwYXNz',
          'Bearer a.b.c',
          'Bearer eyJhbGciOiJub25lIn0.e30.',
        ),
      ),
    })
    .chain(({ route: drawn, kind: tokenKind, walletId, walletRoute, ...rest }) => {
      // Another wallet can only be named where the route names a wallet we chose: an other-wallet
      // case takes a wallet route, so every kind keeps its share as routes without a wallet are added.
      const route = tokenKind === 'other-wallet' && !walletOf(drawn) ? walletRoute : drawn;
      // Bodies within the limit: an oversized one is refused 413 after the authorizer and before
      // the handler, which is where a token's wallets are checked (the main fuzz covers 413s).
      const fitting = bodyArbitrary(route, pools, walletId).filter(
        (body) => body.length <= REQUEST_BODY_BYTES_MAX,
      );
      return fitting.map((body) => ({
        route,
        kind: tokenKind,
        walletId,
        target: targetOf(route, walletId),
        body,
        ...rest,
      }));
    })
    .map(({ route, kind, target, body, key, walletId, ...rest }) => ({
      routeKey: `${route.method} ${route.path}`,
      route,
      kind,
      token: { walletId, ...rest },
      request: {
        method: route.method,
        target,
        headers: [
          ['content-type', 'application/json'],
          ['Idempotency-Key', key],
        ],
        body,
      },
    }));
}

/** The Authorization header for a case's token kind. */
async function authorization(fuzzCase: AuthCase): Promise<string | undefined> {
  const spec = fuzzCase.token;
  const needed: readonly string[] = 'scopes' in fuzzCase.route.auth ? fuzzCase.route.auth.scopes : [];
  const scopes = [...new Set([needed[0] as string, ...spec.extraScopes])];
  const claims: JWTPayload = { sub: 'auth-fuzz', scope: scopes.join(' ') };
  // A valid token is bound to the wallet the path names (or to none: a service token).
  if (fuzzCase.kind === 'valid' && spec.bound && fuzzCase.route.path.includes('{wallet_id}'))
    claims.wallet_ids = [spec.walletId];
  const other = WALLETS.find((candidate) => candidate !== spec.walletId) as string;
  switch (fuzzCase.kind) {
    case 'missing':
      return undefined;
    case 'garbled':
      return spec.garbage;
    case 'expired':
      return `Bearer ${await signRaw(claims, DEV_AUDIENCE, '5 minutes ago')}`;
    case 'other-issuer':
      return `Bearer ${await stranger.sign(claims, '10m')}`;
    case 'other-audience':
      return `Bearer ${await signRaw(claims, 'someone-else', '10m')}`;
    case 'wrong-scope': {
      const wrong = SCOPES.filter((scope) => !needed.includes(scope)).slice(0, spec.extraScopes.length);
      return `Bearer ${await issuer.sign({ sub: 'auth-fuzz', scope: wrong.join(' ') }, '10m')}`;
    }
    case 'other-wallet':
      return `Bearer ${await issuer.sign({ ...claims, wallet_ids: [other] }, '10m')}`;
    case 'valid':
      return `Bearer ${await issuer.sign(claims, '10m')}`;
  }
}

/** How two answers to one read differ: status, problem type, and (when `bodies`) a success's body. */
function answerDifference(plain: HttpReply, authed: HttpReply, bodies: boolean): string | undefined {
  if (plain.statusCode !== authed.statusCode)
    return `${authed.statusCode} with the token, ${plain.statusCode} without auth`;
  if (plain.statusCode >= 400) {
    const type = (reply: HttpReply) => (JSON.parse(reply.body.toString('utf8')) as { type?: string }).type;
    return type(plain) === type(authed)
      ? undefined
      : `problem ${type(authed)} with the token, ${type(plain)} without`;
  }
  return !bodies || plain.body.equals(authed.body)
    ? undefined
    : 'another body with the token than without auth';
}

const withToken = (request: ApiRequest, token: string | undefined): ApiRequest => ({
  ...request,
  headers: [...request.headers, ...(token === undefined ? [] : [['authorization', token] as const])],
});

describe('fuzz with the local JWT path (npm start -- --auth)', () => {
  it(
    `${TOTAL} requests: bad tokens get 401/403 problems and change nothing; valid ones answer as with auth off`,
    async () => {
      // Wallets with money, through the auth path with a minted token (a valid deposit is a 201).
      const depositToken = await issuer.sign({ scope: 'wallets:write' }, '10m');
      for (const walletId of WALLETS) {
        const { reply } = await withAuth.send(
          withToken(
            {
              method: 'POST',
              target: '/deposit',
              headers: [['content-type', 'application/json']],
              body: json({ WalletID: walletId, Amount: '50' }),
            },
            `Bearer ${depositToken}`,
          ),
        );
        expect(reply.statusCode, reply.body.toString()).toBe(201);
      }
      const pools: FuzzPools = {
        wallets: WALLETS,
        eventIds: [],
        replayJobs: ['none'],
        backtestJobs: ['none'],
      };
      const cases = fc.sample(caseArbitrary(pools), { seed: SEED, numRuns: TOTAL });
      const before = await digestStore(env.dynamodb, env.tableName, env.sqs, env.queueUrls);
      const problems: string[] = [];
      const byKind = new Map<string, Record<string, number>>();
      const excused = new Set<string>();
      let sent = 0;
      const started = performance.now();
      for (const [index, fuzzCase] of cases.entries()) {
        const request = withToken(fuzzCase.request, await authorization(fuzzCase));
        const result: CaseResult = await runCase(
          withAuth,
          { routeKey: fuzzCase.routeKey, request },
          logs,
          `seed ${SEED}, index ${index}`,
        );
        const counts = byKind.get(fuzzCase.kind) ?? {};
        counts[result.status] = (counts[result.status] ?? 0) + 1;
        byKind.set(fuzzCase.kind, counts);
        const at = `${fuzzCase.kind} token on ${fuzzCase.routeKey} (seed ${SEED}, index ${index})`;
        if (result.finding) problems.push(`${at}: ${result.finding.kind} ${result.finding.detail}`);
        if (fuzzCase.kind !== 'valid') {
          const want = DENIED[fuzzCase.kind];
          if (result.status !== want) problems.push(`${at}: ${result.status}, want ${want}`);
          continue;
        }
        if (result.status === 401 || result.status === 403)
          problems.push(`${at}: refused with ${result.status}`);
        if (result.status < 400) {
          for (const key of result.trace.itemKeys) excused.add(key);
          sent += result.trace.messages;
        }
        // A read answers as it does with auth off (a write would not: it already took effect).
        if (fuzzCase.route.method === 'GET') {
          const admin = isAdminRoute(fuzzCase.route);
          // Auth off, admin routes take the local admin token the fixture sets.
          const plain = await withoutAuth.send(
            withToken(fuzzCase.request, admin ? `Bearer ${env.adminToken}` : undefined),
          );
          const authed = await withAuth.send(request);
          // The trail shows idempotency keys to service and admin callers only: a token without
          // `admin` gets it without them, by design (issue 10 §4.7).
          const keysHidden =
            fuzzCase.route.path.endsWith('/events') && !fuzzCase.token.extraScopes.includes('admin');
          const difference = answerDifference(plain.reply, authed.reply, !keysHidden);
          if (difference) problems.push(`${at}: ${difference}`);
        }
      }
      const after = await digestStore(env.dynamodb, env.tableName, env.sqs, env.queueUrls);
      const unexplained = changedKeys(before, after).filter((key) => !excused.has(key));
      if (unexplained.length > 0)
        problems.push(`items no accepted request wrote changed: ${unexplained.slice(0, 5).join(', ')}`);
      if (after.messages - before.messages !== sent)
        problems.push(`queues grew by ${after.messages - before.messages}; accepted requests sent ${sent}`);
      console.log(
        [
          `fuzz with auth: ${TOTAL} requests, ${((performance.now() - started) / 1000).toFixed(1)} s (seed ${SEED})`,
          ...[...byKind].map(([kind, counts]) => `  ${kind.padEnd(16)} ${JSON.stringify(counts)}`),
        ].join('\n'),
      );
      for (const kind of [...Object.keys(DENIED), 'valid'])
        expect(
          Object.values(byKind.get(kind) ?? {}).reduce((a, b) => a + b, 0),
          kind,
        ).toBeGreaterThan(TOTAL / 40);
      expect(problems.slice(0, 20)).toEqual([]);
    },
    20 * 60_000,
  );
});
