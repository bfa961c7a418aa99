import type { FunctionSpec, HttpMethod, RouteSpec } from '#lib/wiring.ts';

/**
 * API Gateway's (HTTP API) route selection for the local server: the wiring table's path templates,
 * matched against the raw path the way API Gateway matches them.
 */

type Segment = { literal: string } | { param: string; greedy: boolean };

export interface CompiledRoute {
  method: HttpMethod;
  /** The API Gateway route key, e.g. `GET /details/{wallet_id}`. */
  routeKey: string;
  segments: Segment[];
  spec: FunctionSpec;
  /** Who may call the route, from the wiring table. */
  auth: RouteSpec['auth'];
  /** The route as declared, for isAdminRoute. */
  route: RouteSpec;
}

/** Compiles every route of the wiring table; a malformed path template is a programmer error. */
export function compileRoutes(functions: readonly FunctionSpec[]): CompiledRoute[] {
  const routes: CompiledRoute[] = [];
  const seen = new Set<string>();
  for (const spec of functions) {
    for (const route of spec.routes ?? []) {
      if (!route.path.startsWith('/'))
        throw new Error(`route ${route.path} of ${spec.name} must start with /`);
      const routeKey = `${route.method} ${route.path}`;
      if (seen.has(routeKey)) throw new Error(`route ${routeKey} is declared twice`);
      seen.add(routeKey);
      const parts = route.path.split('/').slice(1);
      const segments = parts.map((part, index): Segment => {
        const param = /^\{([A-Za-z0-9_]+)(\+?)\}$/.exec(part);
        if (param === null) return { literal: part };
        const greedy = param[2] === '+';
        if (greedy && index !== parts.length - 1)
          throw new Error(`${route.path}: {x+} must be the last segment`);
        return { param: param[1] ?? '', greedy };
      });
      routes.push({ method: route.method, routeKey, segments, spec, auth: route.auth, route });
    }
  }
  return routes;
}

export type RouteMatch =
  | { kind: 'found'; route: CompiledRoute; pathParameters: Record<string, string> }
  | { kind: 'method-not-allowed'; allow: HttpMethod[] }
  | { kind: 'not-found' }
  | { kind: 'bad-path'; detail: string };

/**
 * Matches a raw (still percent-encoded) path. Segments are compared encoded and parameters are
 * decoded afterwards, so `/details/a%2Fb` is the wallet `a/b` and never the path `/details/a/b`.
 * When several templates match, the one with more literal segments wins, as in API Gateway.
 */
export function matchRoute(routes: readonly CompiledRoute[], method: string, rawPath: string): RouteMatch {
  const parts = rawPath.split('/').slice(1);
  let best: { route: CompiledRoute; raw: Record<string, string>; literals: number } | undefined;
  const allow = new Set<HttpMethod>();
  for (const route of routes) {
    const raw = matchSegments(route.segments, parts);
    if (raw === undefined) continue;
    allow.add(route.method);
    if (route.method !== method) continue;
    const literals = route.segments.filter((segment) => 'literal' in segment).length;
    if (best === undefined || literals > best.literals) best = { route, raw, literals };
  }
  if (best === undefined) {
    return allow.size > 0 ? { kind: 'method-not-allowed', allow: [...allow].sort() } : { kind: 'not-found' };
  }
  const pathParameters: Record<string, string> = {};
  for (const [name, value] of Object.entries(best.raw)) {
    try {
      pathParameters[name] = decodeURIComponent(value);
    } catch {
      return { kind: 'bad-path', detail: `The path parameter ${name} is not valid percent-encoding.` };
    }
  }
  return { kind: 'found', route: best.route, pathParameters };
}

function matchSegments(segments: Segment[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const [index, segment] of segments.entries()) {
    if ('literal' in segment) {
      if (parts[index] !== segment.literal) return undefined;
      continue;
    }
    if (segment.greedy) {
      const rest = parts.slice(index).join('/');
      if (rest === '') return undefined;
      params[segment.param] = rest;
      return params;
    }
    const part = parts[index];
    // API Gateway never matches an empty parameter: `/details/` is not `/details/{wallet_id}`.
    if (part === undefined || part === '') return undefined;
    params[segment.param] = part;
  }
  return parts.length === segments.length ? params : undefined;
}
