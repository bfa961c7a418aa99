import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { routeThrottle } from '../../lib/constructs/api.ts';
import { routeKeysIn } from '../support/route-keys.ts';
import { ROUTES } from './support.ts';

/**
 * docs/authorization.md's table of scopes and throttles per route is what an operator reads before
 * giving a client its scopes or sizing its traffic: each route of the wiring is in exactly one row,
 * with its scopes (or `public`) and the throttle API Gateway gets for it.
 */
function tableRows(markdown: string): { routes: string[]; scopes: string; throttle: string }[] {
  const start = markdown.indexOf('\n## Scopes and throttles per route\n');
  const section = markdown.slice(start, markdown.indexOf('\n## ', start + 1));
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [routes = '', scopes = '', throttle = ''] = line.slice(2, -2).split(' | ');
      return { routes: routeKeysIn(routes), scopes, throttle };
    });
}

describe('the scopes and throttles table (docs/authorization.md)', () => {
  const rows = tableRows(readFileSync(new URL('../../docs/authorization.md', import.meta.url), 'utf8'));

  it('has each wiring route in one row, with its scopes and its throttle', () => {
    expect(rows.length).toBeGreaterThan(20);
    const wrong = ROUTES.flatMap(({ route, routeKey }) => {
      const found = rows.filter((row) => row.routes.includes(routeKey));
      if (found.length !== 1) return [`${routeKey}: in ${found.length} rows`];
      const [row] = found as [(typeof rows)[number]];
      const scopes = 'public' in route.auth ? ['public'] : route.auth.scopes.map((scope) => `\`${scope}\``);
      const missing = scopes.filter((scope) => !row.scopes.includes(scope));
      // …and no scope the route does not take (a row naming `admin` for a wallets:read route fails).
      const extra =
        'public' in route.auth
          ? []
          : [...row.scopes.matchAll(/`[^`]+`/g)]
              .map((match) => match[0])
              .filter((scope) => !scopes.includes(scope));
      const { rateLimit, burstLimit } = routeThrottle(route);
      return [
        ...(missing.length > 0 ? [`${routeKey}: scope ${missing.join(', ')} not in "${row.scopes}"`] : []),
        ...(extra.length > 0
          ? [`${routeKey}: scope ${extra.join(', ')} in "${row.scopes}", not the route's`]
          : []),
        ...(row.throttle === `${rateLimit} / ${burstLimit}`
          ? []
          : [`${routeKey}: throttle "${row.throttle}"`]),
      ];
    });
    expect(wrong).toEqual([]);
  });

  it('names no route the wiring does not have', () => {
    const keys = new Set(ROUTES.map(({ routeKey }) => routeKey));
    expect(rows.flatMap((row) => row.routes).filter((key) => !keys.has(key))).toEqual([]);
  });
});
