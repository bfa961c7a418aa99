import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OPENAPI_DOCUMENT } from '../../support/contract.ts';
import { routeKeysIn } from '../../support/route-keys.ts';

/**
 * The README's route table is how a new user finds a route: it must name every operation of the
 * OpenAPI document (generated from the wiring table) with the scopes its token needs, and nothing
 * that is not one. `GET /events/stream` is the local runtime's own route (no Lambda, so not in the
 * document).
 */
const LOCAL_ONLY = ['GET /events/stream'];

function routeTable(readme: string): { route: string; scopes: string }[] {
  const section = readme.slice(readme.indexOf('\n## The HTTP API\n'), readme.indexOf('\n## Authorization\n'));
  const rows = section.split('\n').filter((line) => line.startsWith('| `'));
  return rows.flatMap((row) => {
    const [routes = '', scopes = ''] = row.slice(2).split(' | ');
    return routeKeysIn(routes).map((route) => ({ route, scopes }));
  });
}

type Operation = { security?: Record<string, string[]>[] };
const operations = Object.entries(OPENAPI_DOCUMENT.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, operation]) => ({
    key: `${method.toUpperCase()} ${path}`,
    scopes: ((operation as Operation).security ?? []).flatMap((requirement) =>
      Object.values(requirement).flat(),
    ),
  })),
);

describe('the README route table', () => {
  const listed = routeTable(readFileSync(new URL('../../../README.md', import.meta.url), 'utf8'));
  const routes = listed.map(({ route }) => route);

  it('names every operation of the OpenAPI document', () => {
    expect(operations.length).toBeGreaterThan(50);
    expect(operations.filter(({ key }) => !routes.includes(key)).map(({ key }) => key)).toEqual([]);
  });

  it('gives each the scopes its token needs, or says it is public', () => {
    const wrong = operations.flatMap(({ key, scopes }) => {
      const row = listed.find(({ route }) => route === key);
      if (row === undefined) return [];
      const fits =
        scopes.length === 0
          ? row.scopes.startsWith('public')
          : sameSet(
              [...row.scopes.matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? ''),
              scopes,
            );
      return fits ? [] : [`${key}: ${row.scopes}, the document says ${scopes.join(', ') || 'public'}`];
    });
    expect(wrong).toEqual([]);
  });

  it('names nothing that is not a route', () => {
    const known = operations.map(({ key }) => key);
    expect(routes.filter((route) => !known.includes(route) && !LOCAL_ONLY.includes(route))).toEqual([]);
    expect(new Set(routes).size).toBe(routes.length);
  });
});

/** The same scopes, neither one more nor one less. */
function sameSet(listed: readonly string[], required: readonly string[]): boolean {
  return (
    listed.length === new Set(listed).size &&
    listed.length === required.length &&
    required.every((scope) => listed.includes(scope))
  );
}
