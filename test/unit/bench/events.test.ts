import { describe, expect, it } from 'vitest';
import { FUNCTIONS } from '#lib/wiring.ts';
import { firstEvent } from '../../../bench/cold/events.ts';

/**
 * bench:cold's first events (bench/cold/events.ts): every wiring function has one, and an HTTP one
 * is a request its function serves, a route of its own with the path parameters that route names,
 * so the cold start takes that route's path and not another (or a 404 from the router).
 */
describe('the first events of bench:cold', () => {
  it.each(FUNCTIONS.map((spec) => [spec.name, spec] as const))('%s has one', (_name, spec) => {
    expect(() => firstEvent(spec)).not.toThrow();
  });

  const routed = FUNCTIONS.filter((spec) => (spec.routes ?? []).length > 0);
  it.each(routed.map((spec) => [spec.name, spec] as const))(
    "%s's is a request to one of its routes",
    (_name, spec) => {
      const event = firstEvent(spec) as {
        routeKey: string;
        rawPath: string;
        pathParameters?: Record<string, string>;
      };
      const routeKeys = (spec.routes ?? []).map((route) => `${route.method} ${route.path}`);
      expect(routeKeys).toContain(event.routeKey);
      const template = event.routeKey.slice(event.routeKey.indexOf(' ') + 1);
      const names = [...template.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
      expect(Object.keys(event.pathParameters ?? {}).sort()).toEqual(names.sort());
      const filled = template.replace(
        /\{([^}]+)\}/g,
        (_, name: string) => event.pathParameters?.[name] ?? '',
      );
      expect(event.rawPath).toBe(filled);
    },
  );
});
