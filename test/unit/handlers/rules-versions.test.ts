import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { makeRulesHandler } from '#handlers/rules.ts';
import { problemErrors } from '#http/middleware.ts';
import { httpEvent, lambdaContext, problemOf } from '../../support/http.ts';
import { InMemoryRuleSetStore } from '../../support/in-memory-rule-set-store.ts';

const logger = new Logger({ serviceName: 'tally-test', logLevel: 'SILENT' });
const NOW_MS = Date.parse('2026-11-22T10:00:00.000Z');
const ONE = 'event_type=="answer_is_liked", 250\n';
const TWO = 'event_type=="answer_is_liked", 250\nevent_type=="trade", 1\n';
/** What `curl -d @rules/tally.rules.yaml` sends: newlines stripped, so one comment line. */
const FLATTENED = '# Tally rules: one rule per line, the first comment swallows the rest event_type=="x", 1';

let store: InMemoryRuleSetStore;
beforeEach(() => {
  store = new InMemoryRuleSetStore();
});

const handler = middy(
  makeRulesHandler(
    () => ({ ruleSets: store, clock: { nowMs: () => NOW_MS } }),
    () => undefined,
  ),
).use(problemErrors(logger));

function event(
  method: 'GET' | 'PUT',
  route: string,
  options: {
    body?: string;
    query?: Record<string, string>;
    pathParameters?: Record<string, string>;
    authorizer?: unknown;
  } = {},
): APIGatewayProxyEventV2 {
  const base = httpEvent({
    method: 'GET',
    path: route,
    ...(options.body === undefined ? {} : { body: options.body }),
    ...(options.pathParameters === undefined ? {} : { pathParameters: options.pathParameters }),
  });
  return {
    ...base,
    routeKey: `${method} ${route}`,
    requestContext: {
      ...base.requestContext,
      routeKey: `${method} ${route}`,
      http: { ...base.requestContext.http, method },
      ...(options.authorizer === undefined ? {} : { authorizer: options.authorizer }),
    } as APIGatewayProxyEventV2['requestContext'],
    ...(options.query === undefined ? {} : { queryStringParameters: options.query }),
  };
}

const call = (request: APIGatewayProxyEventV2) => handler(request, lambdaContext);
const put = (body: string, query: Record<string, string> = {}, authorizer?: unknown) =>
  call(event('PUT', '/rules', { body, query, ...(authorizer === undefined ? {} : { authorizer }) }));
const body = (response: { body: string }) => JSON.parse(response.body) as Record<string, unknown>;

describe('PUT /rules with no rules in the text', () => {
  it.each([
    ['a file flattened by curl -d', FLATTENED],
    ['only comments', '# nothing yet\n# still nothing\n'],
  ])('answers 422 empty-rules for %s and publishes nothing', async (_name, text) => {
    const response = await put(text);
    expect(response.statusCode).toBe(422);
    const problem = problemOf(response);
    expect(problem).toMatchObject({ type: '/problems/empty-rules', status: 422 });
    expect(problem.detail).toContain('allowEmpty=true');
    expect(problem.detail).toContain('--data-binary');
    expect(store.publishCalls).toEqual([]);
  });

  it('publishes it with ?allowEmpty=true', async () => {
    const response = await put(FLATTENED, { allowEmpty: 'true' });
    expect(response.statusCode).toBe(201);
    expect(body(response)).toMatchObject({ version: 1, text: FLATTENED });
  });

  it('refuses it with ?allowEmpty=false, and answers 400 for any other value', async () => {
    expect((await put(FLATTENED, { allowEmpty: 'false' })).statusCode).toBe(422);
    const odd = await put(FLATTENED, { allowEmpty: 'yes' });
    expect(odd.statusCode).toBe(400);
    expect(problemOf(odd).type).toBe('/problems/invalid-allow-empty');
    expect(store.all()).toEqual([]);
  });
});

describe('who published a version', () => {
  it.each([
    [
      'a token’s sub',
      { jwt: { claims: { sub: 'ops-alice', scope: 'admin' }, scopes: ['admin'] } },
      'ops-alice',
    ],
    ['a client token’s client_id', { jwt: { claims: { client_id: 'ci-bot' }, scopes: ['admin'] } }, 'ci-bot'],
    ['a signed AWS call', { iam: { userArn: 'arn:aws:iam::1:user/bob' } }, 'iam:arn:aws:iam::1:user/bob'],
    ['nobody named (local, no auth)', undefined, 'local'],
  ])('records %s', async (_name, authorizer, expected) => {
    const response = await put(ONE, {}, authorizer);
    expect(response.statusCode).toBe(201);
    expect(body(response).publishedBy).toBe(expected);
    expect(store.all()[0]?.publishedBy).toBe(expected);
  });
});

describe('GET /rules/versions', () => {
  const list = (query: Record<string, string> = {}) => call(event('GET', '/rules/versions', { query }));

  it('lists every version oldest first, with hash, publisher, time and rule count, not the text', async () => {
    store.seedLegacy({ version: 1, text: ONE, textHash: sha256Hex(ONE), publishedAtMs: NOW_MS - 1000 });
    await put(TWO, { source: 'rules/two.rules' });
    const response = await list();
    expect(response.statusCode).toBe(200);
    expect(body(response)).toEqual({
      versions: [
        {
          version: 1,
          source: null,
          textHash: sha256Hex(ONE),
          publishedAt: '2026-11-22T09:59:59.000Z',
          publishedBy: null,
          rules: 1,
        },
        {
          version: 2,
          source: 'rules/two.rules',
          textHash: sha256Hex(TWO),
          publishedAt: '2026-11-22T10:00:00.000Z',
          publishedBy: 'local',
          rules: 2,
        },
      ],
      next: null,
    });
  });

  it('pages with limit and the cursor it gives out', async () => {
    for (let index = 1; index <= 5; index++) await put(`event_type=="e${index}", ${index}\n`);
    const first = body(await list({ limit: '2' }));
    expect((first.versions as { version: number }[]).map((v) => v.version)).toEqual([1, 2]);
    expect(typeof first.next).toBe('string');
    const second = body(await list({ limit: '2', cursor: first.next as string }));
    expect((second.versions as { version: number }[]).map((v) => v.version)).toEqual([3, 4]);
    const third = body(await list({ limit: '2', cursor: second.next as string }));
    expect((third.versions as { version: number }[]).map((v) => v.version)).toEqual([5]);
    expect(third.next).toBeNull();
  });

  it('answers 400 for a limit out of range, as every listing does', async () => {
    const response = await list({ limit: '0' });
    expect(response.statusCode).toBe(400);
    expect(problemOf(response).type).toBe('/problems/invalid-limit');
  });
});

describe('one version: GET /rules/versions/{version} and GET /rules?version=N', () => {
  const one = (version: string) =>
    call(event('GET', '/rules/versions/{version}', { pathParameters: { version } }));
  const byQuery = (version: string) => call(event('GET', '/rules', { query: { version } }));

  it('answers the version asked for, not the active one', async () => {
    await put(ONE);
    await put(TWO);
    for (const response of [await one('1'), await byQuery('1')]) {
      expect(response.statusCode).toBe(200);
      expect(body(response)).toMatchObject({
        version: 1,
        text: ONE,
        textHash: sha256Hex(ONE),
        publishedBy: 'local',
        publishedAt: '2026-11-22T10:00:00.000Z',
      });
    }
    expect(body(await call(event('GET', '/rules'))).version).toBe(2);
  });

  it('answers 404 for a version never published', async () => {
    await put(ONE);
    for (const response of [await one('7'), await byQuery('7')]) {
      expect(response.statusCode).toBe(404);
      expect(problemOf(response).type).toBe('/problems/rule-set-version-not-found');
    }
  });

  it.each([['0'], ['x'], ['1.5'], ['-1']])('answers 400 for the version %j', async (version) => {
    for (const response of [await one(version), await byQuery(version)]) {
      expect(response.statusCode).toBe(400);
      expect(problemOf(response).type).toBe('/problems/invalid-version');
    }
  });
});
