import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { openApiDocument, routeKey } from '#http/contract/document.ts';
import { PROBLEM_TYPES } from '#http/contract/problem-types.ts';
import { ROUTE_CONTRACTS } from '#http/contract/routes.ts';
import { FUNCTIONS, type FunctionSpec } from '#lib/wiring.ts';
import { OPENAPI_DOCUMENT, validatorFor } from '../../../support/contract.ts';

type Operation = { security: { bearerAuth?: string[] }[]; 'x-public'?: string; requestBody?: unknown };
const operations = Object.entries(OPENAPI_DOCUMENT.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, operation]) => ({
    key: `${method.toUpperCase()} ${path}`,
    operation: operation as Operation,
  })),
);
const wiredRoutes = FUNCTIONS.flatMap((spec) => (spec.routes ?? []).map((route) => ({ spec, route })));

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(structuredClone(OPENAPI_DOCUMENT));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(OPENAPI_DOCUMENT.openapi).toMatch(/^3\.1\./);
  });

  it('has every route of the wiring table, and no path that is not a route', () => {
    const wired = wiredRoutes.map(({ route }) => routeKey(route)).sort();
    expect(operations.map(({ key }) => key).sort()).toEqual(wired);
  });

  it("carries each route's scopes, or marks it public with the wiring's reason", () => {
    for (const { route } of wiredRoutes) {
      const found = operations.find(({ key }) => key === routeKey(route));
      if ('public' in route.auth) {
        expect(found?.operation.security, routeKey(route)).toEqual([]);
        expect(found?.operation['x-public']).toBe(route.auth.public);
      } else {
        expect(found?.operation.security, routeKey(route)).toEqual([{ bearerAuth: [...route.auth.scopes] }]);
      }
    }
  });

  it('has a contract (request and response schemas) for every wired route', () => {
    // A route wired without one still appears in the document, bare; add its entry to
    // functions/http/contract/routes.ts (its body schema, answers and problems).
    const missing = wiredRoutes
      .map(({ route }) => routeKey(route))
      .filter((key) => !(key in ROUTE_CONTRACTS));
    expect(missing).toEqual([]);
    const stale = Object.keys(ROUTE_CONTRACTS).filter(
      (key) => !wiredRoutes.some(({ route }) => routeKey(route) === key),
    );
    expect(stale).toEqual([]);
  });

  it('puts a newly wired route in the document even before it has a contract', () => {
    const card: FunctionSpec = {
      name: 'cards',
      entry: 'functions/handlers/cards.ts',
      description: 'POST /cards/{card_id}/authorize: a planted route',
      memoryMb: 128,
      timeoutSeconds: 5,
      routes: [
        { method: 'POST', path: '/cards/{card_id}/authorize', auth: { scopes: ['accounts:authorize'] } },
      ],
      tableAccess: 'none',
    };
    const document = openApiDocument([...FUNCTIONS, card], { version: '0', contracts: ROUTE_CONTRACTS }) as {
      paths: Record<string, Record<string, { security: unknown; parameters: { name: string }[] }>>;
    };
    const planted = document.paths['/cards/{card_id}/authorize']?.post;
    expect(planted?.security).toEqual([{ bearerAuth: ['accounts:authorize'] }]);
    expect(planted?.parameters.map((parameter) => parameter.name)).toEqual(['card_id']);
  });

  it('gives every contract example a body its schema accepts', () => {
    for (const [key, contract] of Object.entries(ROUTE_CONTRACTS)) {
      const example = contract?.body?.example;
      if (example === undefined) continue;
      expect(contract?.body?.schema.safeParse(example).success, key).toBe(true);
    }
  });
});

/** Every problem code the source can answer, read off the calls that make problems. */
function problemCodesInSource(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts')) files.push(path);
    }
  };
  walk('functions/http');
  walk('functions/handlers');
  walk('functions/local');
  walk('functions/adapters/local');
  files.push('functions/app/outcomes.ts');
  const codes = new Set<string>();
  const patterns = [
    /(?:badRequest|problem)\(\s*'([a-z0-9-]+)'/g,
    /code: '([a-z0-9-]+)'/g,
    /problemReply\(\s*\d{3},\s*'([a-z0-9-]+)'/g,
    /refusal\('([a-z_]+)'/g,
  ];
  for (const file of files) {
    if (file.includes('/contract/')) continue;
    const text = readFileSync(file, 'utf8');
    for (const pattern of patterns) {
      for (const match of text.matchAll(pattern)) codes.add((match[1] ?? '').replaceAll('_', '-'));
    }
  }
  // zod's own issue code for a refinement, not a problem.
  codes.delete('custom');
  return [...codes].sort();
}

describe('problem types', () => {
  it('lists every problem code the source answers, with its status', () => {
    const codes = problemCodesInSource();
    expect(codes.length).toBeGreaterThan(20);
    expect(codes.filter((code) => PROBLEM_TYPES[code] === undefined)).toEqual([]);
  });

  it('publishes them in the document, as absolute type URIs', () => {
    const listed = Object.keys(OPENAPI_DOCUMENT['x-problem-types'] as object);
    expect(listed).toContain('https://tally.dev/problems/insufficient-funds');
    expect(listed).toHaveLength(Object.keys(PROBLEM_TYPES).length);
  });
});

/** README.md and the pages it links to for the details (docs/api.md holds most examples). */
const REPOSITORY = new URL('../../../../', import.meta.url);
const DOC_FILES = [
  'README.md',
  ...readdirSync(new URL('docs/', REPOSITORY)).flatMap((name) =>
    name.endsWith('.md') ? [`docs/${name}`] : [],
  ),
];

type Example = { method: string; path: string; body: unknown; line: string; file: string };

/** `curl … -d '<json>' http://localhost:8080/<path>` lines of a file, joined across `\` continuations. */
function examplesIn(file: string): Example[] {
  const text = readFileSync(new URL(file, REPOSITORY), 'utf8').replace(/\\\n\s*/g, ' ');
  const examples: Example[] = [];
  for (const line of text.split('\n')) {
    const match = /curl .*?-d '(\{[^']*\})'.*?http:\/\/localhost:8080(\/\S*)/.exec(line);
    if (match === null || match[1] === undefined || match[2] === undefined) continue;
    const method = /-X (\w+)/.exec(line)?.[1] ?? 'POST';
    examples.push({
      method,
      path: match[2],
      body: JSON.parse(match[1]) as unknown,
      line: `${file}: ${line}`,
      file,
    });
  }
  return examples;
}

function operationFor(method: string, path: string) {
  for (const [template, item] of Object.entries(OPENAPI_DOCUMENT.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    if (pattern.test(path)) return item[method.toLowerCase()] as Operation | undefined;
  }
  return undefined;
}

describe('the README and docs examples', () => {
  const examples = DOC_FILES.flatMap(examplesIn);

  it('are found (deposits, events, transfers, holds, offers, corrections), in the README and docs/api.md', () => {
    // 14 when the README was one file: 6 stayed in it (quick start), 8 moved to docs/api.md.
    expect(examples.length).toBeGreaterThanOrEqual(14);
    expect(examples.filter(({ file }) => file === 'README.md').length).toBeGreaterThanOrEqual(6);
    expect(examples.filter(({ file }) => file === 'docs/api.md').length).toBeGreaterThanOrEqual(8);
  });

  it('each send a body that the route’s request schema accepts', () => {
    for (const { method, path, body, line } of examples) {
      const operation = operationFor(method, path.replace(/<[^>]+>/g, 'x'));
      expect(operation, line).toBeDefined();
      const content = (operation?.requestBody as { content: Record<string, { schema: never }> } | undefined)
        ?.content;
      const schema = content?.['application/json']?.schema;
      expect(schema, `${line}: the route takes no JSON body`).toBeDefined();
      const validate = validatorFor(schema as never);
      expect(validate(body), `${line}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it('would catch an example that breaks its schema', () => {
    const operation = operationFor('POST', '/deposit');
    const content = (operation?.requestBody as { content: Record<string, { schema: never }> } | undefined)
      ?.content;
    const schema = content?.['application/json']?.schema;
    expect(schema).toBeDefined();
    expect(validatorFor(schema as never)({ WalletID: 'w1', Amount: 1, Extra: true })).toBe(false);
  });
});
