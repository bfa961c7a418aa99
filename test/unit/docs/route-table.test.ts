import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OPENAPI_DOCUMENT } from '../../support/contract.ts';
import { routeKeysIn } from '../../support/route-keys.ts';

/**
 * The README's route table is how a new user finds a route: it must name every operation of the
 * OpenAPI document (generated from the wiring table), and nothing that is not one. `GET
 * /events/stream` is the local runtime's own route (no Lambda, so not in the document).
 */
const LOCAL_ONLY = ['GET /events/stream'];

function routeTable(readme: string): string[] {
  const section = readme.slice(readme.indexOf('\n## The HTTP API\n'), readme.indexOf('\n## Authorization\n'));
  const rows = section.split('\n').filter((line) => line.startsWith('| `'));
  return rows.flatMap((row) => routeKeysIn(row.split(' | ')[0] ?? ''));
}

const operations = Object.entries(OPENAPI_DOCUMENT.paths).flatMap(([path, item]) =>
  Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
);

describe('the README route table', () => {
  const listed = routeTable(readFileSync('README.md', 'utf8'));

  it('names every operation of the OpenAPI document', () => {
    expect(operations.length).toBeGreaterThan(50);
    expect(operations.filter((operation) => !listed.includes(operation))).toEqual([]);
  });

  it('names nothing that is not a route', () => {
    expect(listed.filter((route) => !operations.includes(route) && !LOCAL_ONLY.includes(route))).toEqual([]);
    expect(new Set(listed).size).toBe(listed.length);
  });
});
