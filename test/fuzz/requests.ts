import fc, { type Arbitrary } from 'fast-check';
import type { RouteSpec } from '../../lib/wiring.ts';
import { oddString, pathParameter, queryString, sometimes, walletIdFrom } from './generators.ts';
import { asHeaderValue, authorizationValue, contentType, idempotencyKeyValue } from './headers.ts';
import type { ApiRequest } from './in-process-api.ts';
import { type FuzzPools, genericRouteFuzz, type RouteFuzz, routeFuzzTable } from './routes.ts';

/** One generated request and the route (of the wiring table) it was generated for. */
export interface FuzzCase {
  routeKey: string;
  request: ApiRequest;
}

const OTHER_METHODS = ['HEAD', 'OPTIONS', 'PATCH', 'DELETE', 'PUT', 'POST', 'GET', 'TRACE', 'get', 'post'];

/** Headers a client may add that mean something to some server (method override, host …). */
const junkHeader: Arbitrary<[string, string]> = fc.tuple(
  fc.constantFrom(
    'x-http-method-override',
    'x-method-override',
    'content-length',
    'host',
    'cookie',
    'x-forwarded-for',
    'idempotency-key',
    'authorization',
    'content-type',
    'content-encoding',
    'transfer-encoding',
    'x-amzn-trace-id',
    'accept',
  ),
  fc.oneof(
    fc.constantFrom('DELETE', 'GET', '-1', '0', '99999999999', 'evil.example', 'gzip', 'chunked', '*/*', ''),
    oddString,
  ),
);

/**
 * What API Gateway's JWT authorizer would pass once a token is accepted: scopes and claims, some of
 * them odd (a wallet claim as a string, an API-Gateway-rendered array, a real array, a number).
 */
const authorizerContext = (pools: FuzzPools): Arbitrary<ApiRequest['authorizer']> =>
  sometimes(
    fc.record({
      claims: fc.record(
        {
          sub: fc.constantFrom('fuzz-user', ''),
          scope: fc.constantFrom('admin', 'wallets:read wallets:write events:write', '', 'rules:read'),
          wallet_ids: fc.oneof(
            fc.constantFrom(...pools.wallets),
            fc.constantFrom(`[${pools.wallets.slice(0, 2).join(' ')}]`, '[]', '', ' ', '[', ']'),
            fc.array(fc.oneof(fc.constantFrom(...pools.wallets), oddString), { maxLength: 3 }),
            fc.constantFrom(0, true, null),
            oddString,
          ),
        },
        { requiredKeys: ['sub'] },
      ),
      scopes: fc.oneof(
        fc.constant(null),
        fc.array(fc.constantFrom('admin', 'wallets:read', 'wallets:write', 'events:write', 'rules:read', '')),
      ),
    }),
    15,
  ).map((context) => context ?? undefined);

/** The raw target for a route: each `{param}` filled, maybe a path trick, then the query. */
function target(route: RouteSpec, fuzz: RouteFuzz, pools: FuzzPools): Arbitrary<string> {
  const parts = route.path.split('/');
  const segments = parts.map((part) => {
    const param = /^\{([A-Za-z0-9_]+)\+?\}$/.exec(part)?.[1];
    if (param === undefined) return fc.constant(part);
    return pathParameter(fuzz.params?.[param] ?? walletIdFrom(pools.wallets));
  });
  const query = fc.option(fuzz.query ?? queryString(), { freq: 3, nil: undefined });
  const trick = sometimes(
    fc.constantFrom(
      (path: string) => `${path}/`,
      (path: string) => `/${path}`,
      (path: string) => `${path}/..`,
      (path: string) => `${path}/.`,
      (path: string) => `${path}%2F`,
      (path: string) => path.toUpperCase(),
      (path: string) => path.replace(/\/([^/]*)$/, '/./$1'),
    ),
    5,
  );
  return fc.tuple(fc.tuple(...segments), query, trick).map(([filled, rawQuery, spoil]) => {
    const path = filled.join('/');
    const spoiled = spoil === null ? path : spoil(path);
    return rawQuery === undefined ? spoiled : `${spoiled}?${rawQuery}`;
  });
}

/** A body as bytes: the route's text as UTF-8, rarely raw bytes that are not UTF-8 at all. */
function bodyBytes(route: RouteSpec, fuzz: RouteFuzz): Arbitrary<Buffer> {
  const text = fuzz.body ?? fc.constant('');
  const usual = route.method === 'GET' ? fc.constant('') : text;
  return fc.oneof(
    { arbitrary: usual.map((body) => Buffer.from(body, 'utf8')), weight: 18 },
    { arbitrary: text.map((body) => Buffer.from(body, 'utf8')), weight: 1 },
    {
      arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from([0xff, 0xfe, ...bytes])),
      weight: 1,
    },
  );
}

function requestFor(
  route: RouteSpec,
  fuzz: RouteFuzz,
  pools: FuzzPools,
  adminToken: string,
): Arbitrary<FuzzCase> {
  const routeKey = `${route.method} ${route.path}`;
  const method = fc.oneof(
    { arbitrary: fc.constant<string>(route.method), weight: 30 },
    { arbitrary: fc.constantFrom(...OTHER_METHODS), weight: 1 },
  );
  return fc
    .record({
      method,
      target: target(route, fuzz, pools),
      body: bodyBytes(route, fuzz),
      type: contentType,
      authorization: authorizationValue(adminToken),
      idempotencyKey: route.method === 'GET' ? fc.constant(undefined) : idempotencyKeyValue,
      junk: fc.array(junkHeader, { maxLength: 2 }),
      authorizer: authorizerContext(pools),
    })
    .map(({ method: verb, target: raw, body, type, authorization, idempotencyKey, junk, authorizer }) => {
      const headers: [string, string][] = [['user-agent', 'tally-fuzz']];
      if (type !== undefined) headers.push(['content-type', type]);
      if (authorization !== undefined) headers.push(['authorization', asHeaderValue(authorization)]);
      if (idempotencyKey !== undefined) headers.push(['Idempotency-Key', asHeaderValue(idempotencyKey)]);
      for (const [name, value] of junk) headers.push([name, asHeaderValue(value)]);
      const request: ApiRequest = {
        method: verb,
        target: raw,
        headers,
        body,
        ...(authorizer === undefined ? {} : { authorizer }),
      };
      return { routeKey, request };
    });
}

export interface RequestSpace {
  /** Every route's requests, weighted by the table. */
  all: Arbitrary<FuzzCase>;
  /** One route's requests (to search and shrink a finding within its route). */
  byRoute: Map<string, Arbitrary<FuzzCase>>;
  /** Route keys that have no entry in the table and use the generic one. */
  fallbacks: string[];
}

export function requestSpace(
  routes: readonly RouteSpec[],
  pools: FuzzPools,
  adminToken: string,
  table: Record<string, RouteFuzz> = routeFuzzTable(pools),
): RequestSpace {
  const byRoute = new Map<string, Arbitrary<FuzzCase>>();
  const weighted: { arbitrary: Arbitrary<FuzzCase>; weight: number }[] = [];
  const fallbacks: string[] = [];
  for (const route of routes) {
    const routeKey = `${route.method} ${route.path}`;
    let fuzz = table[routeKey];
    if (fuzz === undefined) {
      fallbacks.push(routeKey);
      fuzz = genericRouteFuzz();
    }
    const arbitrary = requestFor(route, fuzz, pools, adminToken);
    byRoute.set(routeKey, arbitrary);
    // Weights are integers for fc.oneof: hundredths of a route's share.
    weighted.push({ arbitrary, weight: Math.max(1, Math.round((fuzz.weight ?? 1) * 100)) });
  }
  return { all: fc.oneof(...weighted), byRoute, fallbacks };
}
