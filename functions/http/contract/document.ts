import * as z from 'zod';
import type { FunctionSpec, RouteSpec } from '#lib/wiring-spec.ts';
import { problemType } from '../problem.ts';
import { PROBLEM_TYPES } from './problem-types.ts';
import { problemSchema } from './responses.ts';
import type { ResponseContract, RouteContract, RouteKey } from './types.ts';

/**
 * The OpenAPI 3.1 document, generated: every route of the wiring table (method, path, scopes,
 * public reason) with its contract (routes.ts: the zod schemas the handler parses with, and the
 * ones that describe its answers), turned into JSON Schema 2020-12 by zod's own `z.toJSONSchema`.
 * Nothing here is written twice: a new route appears as soon as it is wired, and its contract
 * fills in the rest. `npm run openapi` writes the result to openapi/openapi.json.
 */

export const OPENAPI_VERSION = '3.1.1';

type Json = Record<string, unknown>;

/** JSON Schema for the document: the input side of a request (before transforms), the output of a response. */
function jsonSchema(schema: z.core.$ZodType, io: 'input' | 'output'): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
  }) as Json;
  // Named schemas (`.meta({ id })`) become components, referenced by every route that uses them;
  // `.int()`'s safe-integer bounds say nothing a reader needs.
  const text = JSON.stringify(rest)
    .replaceAll('"#/$defs/', '"#/components/schemas/')
    .replaceAll(',"minimum":-9007199254740991', '')
    .replaceAll(',"maximum":9007199254740991', '');
  return JSON.parse(text) as Json;
}

/** Moves the `$defs` zod writes for named schemas into the document's components. */
function hoist(schema: Json, components: Record<string, Json>): Json {
  const { $defs, ...rest } = schema as { $defs?: Record<string, Json> };
  for (const [id, definition] of Object.entries($defs ?? {})) components[id] = definition;
  return rest;
}

const pathParameterNames = (path: string): string[] =>
  [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] ?? '');

const WALLET_ID_PARAMETER = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$' };

function parameters(route: RouteSpec, contract: RouteContract | undefined, components: Record<string, Json>) {
  const inPath = pathParameterNames(route.path).map((name) => ({
    name,
    in: 'path',
    required: true,
    schema: name === 'wallet_id' ? WALLET_ID_PARAMETER : { type: 'string' },
  }));
  const inQuery = Object.entries(contract?.query ?? {}).map(([name, { schema, description }]) => ({
    name,
    in: 'query',
    required: false,
    description,
    schema: hoist(jsonSchema(schema, 'input'), components),
  }));
  const key =
    contract?.idempotencyKey === undefined
      ? []
      : [
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: contract.idempotencyKey === 'required',
            description:
              'At most 255 visible characters. The same key with the same payload answers the stored response again; with another payload, 422.',
            schema: { type: 'string', minLength: 1, maxLength: 255 },
          },
        ];
  return [...inPath, ...inQuery, ...key];
}

function response(answer: ResponseContract, components: Record<string, Json>): Json {
  const headers = Object.fromEntries(
    Object.entries(answer.headers ?? {}).map(([name, description]) => [
      name,
      { description, schema: { type: 'string' } },
    ]),
  );
  return {
    description: answer.description,
    ...(answer.headers === undefined ? {} : { headers }),
    content: {
      [answer.contentType ?? 'application/json']: {
        schema: hoist(jsonSchema(answer.schema, 'output'), components),
      },
    },
  };
}

/** The problem answers of a route, by status: its own codes plus the ones any route of its kind may give. */
function problemResponses(route: RouteSpec, contract: RouteContract | undefined): Record<string, Json> {
  const codes = new Set([
    ...(contract?.problems ?? []),
    'internal',
    ...('scopes' in route.auth ? ['unauthorized', 'forbidden'] : []),
    ...(/\{wallet_id\}/.test(route.path) || contract?.body !== undefined ? ['forbidden-wallet'] : []),
    ...(contract?.idempotencyKey === undefined ? [] : ['invalid-idempotency-key']),
    ...(contract?.body === undefined
      ? []
      : ['malformed-json', 'too-deep', 'missing-body', 'invalid-request', 'body-too-large']),
  ]);
  const byStatus = new Map<number, string[]>();
  for (const code of codes) {
    const type = PROBLEM_TYPES[code];
    if (type === undefined)
      throw new Error(`${route.method} ${route.path}: problem ${code} is not in PROBLEM_TYPES`);
    byStatus.set(type.status, [...(byStatus.get(type.status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      String(status),
      {
        description: list.map((code) => `\`${code}\`: ${PROBLEM_TYPES[code]?.meaning}`).join(' '),
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      },
    ]),
  );
}

function operation(
  spec: FunctionSpec,
  route: RouteSpec,
  contract: RouteContract | undefined,
  components: Record<string, Json>,
): Json {
  const isPublic = 'public' in route.auth;
  const body = contract?.body;
  const success = Object.fromEntries(
    Object.entries(contract?.responses ?? {}).map(([status, answer]) => [
      status,
      response(answer, components),
    ]),
  );
  if (contract === undefined)
    success.default = { description: 'Not yet described (no contract in functions/http/contract)' };
  return {
    operationId: contract?.operationId ?? operationId(route),
    summary: contract?.summary ?? spec.description,
    ...(contract?.description === undefined ? {} : { description: contract.description }),
    tags: [contract?.tag ?? spec.name],
    security: isPublic ? [] : [{ bearerAuth: [...(route.auth as { scopes: readonly string[] }).scopes] }],
    ...(isPublic ? { 'x-public': (route.auth as { public: string }).public } : {}),
    'x-function': spec.name,
    parameters: parameters(route, contract, components),
    ...(body === undefined
      ? {}
      : {
          requestBody: {
            required: body.required ?? true,
            content: Object.fromEntries(
              (body.contentTypes ?? ['application/json']).map((type) => [
                type,
                {
                  schema: hoist(jsonSchema(body.schema, 'input'), components),
                  ...(body.example === undefined ? {} : { example: body.example }),
                },
              ]),
            ),
          },
        }),
    responses: { ...success, ...problemResponses(route, contract) },
  };
}

/** `POST /wallets/{wallet_id}/holds` → `postWalletsHolds`: stable, readable names for generated clients. */
export function operationId(route: RouteSpec): string {
  const words = route.path
    .split('/')
    .filter((part) => part !== '' && !part.startsWith('{'))
    .flatMap((part) => part.split(/[^A-Za-z0-9]+/))
    .filter(Boolean);
  const byParameter = route.path.endsWith('}') ? 'ById' : '';
  return (
    [route.method.toLowerCase(), ...words.map((w) => w[0]?.toUpperCase() + w.slice(1))].join('') + byParameter
  );
}

export const routeKey = (route: RouteSpec): RouteKey => `${route.method} ${route.path}` as RouteKey;

export interface DocumentOptions {
  version: string;
  contracts: Readonly<Partial<Record<RouteKey, RouteContract>>>;
}

/** The whole document, from the wiring table's functions and the route contracts. */
export function openApiDocument(functions: readonly FunctionSpec[], options: DocumentOptions): Json {
  const components: Record<string, Json> = {};
  const paths: Record<string, Record<string, Json>> = {};
  for (const spec of functions) {
    for (const route of spec.routes ?? []) {
      const contract = options.contracts[routeKey(route)];
      paths[route.path] ??= {};
      (paths[route.path] as Record<string, Json>)[route.method.toLowerCase()] = operation(
        spec,
        route,
        contract,
        components,
      );
    }
  }
  hoist(jsonSchema(problemSchema, 'output'), components);
  const problemList = Object.entries(PROBLEM_TYPES)
    .map(([code, { status, meaning }]) => `| \`${code}\` | ${status} | ${meaning} |`)
    .join('\n');
  return {
    openapi: OPENAPI_VERSION,
    info: {
      title: 'Tally',
      version: options.version,
      summary: 'Event-sourced points and wallet ledger',
      description:
        'Every route of the wiring table. Errors are RFC 9457 problems (`application/problem+json`) whose `type` is ' +
        `\`${problemType('<code>', '')}\` (the base is TALLY_PROBLEM_BASE where a deployment sets it):\n\n` +
        `| code | status | meaning |\n|---|---|---|\n${problemList}\n`,
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            "A JWT whose `scope` claim holds the route's scopes (any one suffices). In AWS, API Gateway's JWT authorizer checks it (or IAM with `-c auth=iam`); locally `npm start -- --auth` and `npx tally token`. A `wallet_ids` claim limits a token to those wallets.",
        },
      },
    },
    'x-problem-types': Object.fromEntries(
      Object.entries(PROBLEM_TYPES).map(([code, type]) => [problemType(code, ''), type]),
    ),
  };
}
