import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { RULE_SET_TEXT_BYTES_MAX } from '#adapters/dynamodb/rule-sets.ts';
import { DEFAULT_RULES_TEXT } from '#app/default-rules.ts';
import { makeRulesHandler } from '#handlers/rules.ts';
import { problemErrors } from '#http/middleware.ts';
import { storedFormOf } from '#rules/rule-set.ts';
import { httpEvent, lambdaContext, problemOf } from '../../support/http.ts';
import { InMemoryRuleSetStore } from '../../support/in-memory-rule-set-store.ts';

const logger = new Logger({ serviceName: 'tally-test', logLevel: 'SILENT' });
const NOW_MS = Date.parse('2026-11-22T10:00:00.000Z');
const SEED = 'event_type=="answer_is_liked", 250';

let store: InMemoryRuleSetStore;
let adminToken: string | undefined;

beforeEach(() => {
  store = new InMemoryRuleSetStore();
  adminToken = 's3cret';
});

/** The problem type of a problem response, for a failure message that says what went wrong. */
const problemOrNothing = (response: { headers?: Record<string, unknown>; body: string }) =>
  response.headers?.['content-type'] === 'application/problem+json' ? problemOf(response).type : undefined;

const handler = middy(
  makeRulesHandler(
    () => ({ ruleSets: store, clock: { nowMs: () => NOW_MS } }),
    () => adminToken,
  ),
).use(problemErrors(logger));

function request(
  method: 'GET' | 'PUT',
  options: {
    body?: string;
    headers?: Record<string, string>;
    query?: Record<string, string>;
    isBase64Encoded?: boolean;
  } = {},
): APIGatewayProxyEventV2 {
  const base = httpEvent({
    method: 'GET',
    path: '/rules',
    ...(options.body === undefined ? {} : { body: options.body }),
    ...(options.headers === undefined ? {} : { headers: options.headers }),
    ...(options.isBase64Encoded === undefined ? {} : { isBase64Encoded: options.isBase64Encoded }),
  });
  return {
    ...base,
    routeKey: `${method} /rules`,
    requestContext: {
      ...base.requestContext,
      routeKey: `${method} /rules`,
      http: { ...base.requestContext.http, method },
    },
    ...(options.query === undefined ? {} : { queryStringParameters: options.query }),
  };
}

const AUTHORIZED = { authorization: 'Bearer s3cret' };
const SOURCE = 'rules/test.rules';

const get = () => handler(request('GET'), lambdaContext);
/** PUT with `?source=` (each test about something else names its source). */
const put = (
  body: string | undefined,
  headers: Record<string, string> = AUTHORIZED,
  extra: { query?: Record<string, string>; isBase64Encoded?: boolean } = {},
) =>
  handler(
    request('PUT', { ...(body === undefined ? {} : { body }), headers, query: { source: SOURCE }, ...extra }),
    lambdaContext,
  );
/** PUT exactly as `curl -X PUT --data-binary @file` sends it: no query string. */
const putPlain = (body: string) => handler(request('PUT', { body, headers: AUTHORIZED }), lambdaContext);

describe('GET /rules', () => {
  it('shows the built-in rule set as version 0 when nothing is published', async () => {
    const response = await get();
    expect(response.statusCode).toBe(200);
    expect(response.headers).toEqual({ 'content-type': 'application/json' });
    expect(JSON.parse(response.body)).toEqual({
      version: 0,
      builtIn: true,
      source: 'rules/tally.rules.yaml',
      textHash: sha256Hex(DEFAULT_RULES_TEXT),
      publishedAt: null,
      publishedBy: null,
      text: DEFAULT_RULES_TEXT,
    });
  });

  it('needs no token', async () => {
    expect((await handler(request('GET', { headers: {} }), lambdaContext)).statusCode).toBe(200);
  });
});

describe('PUT /rules', () => {
  it('publishes the seed line as version 1, which GET then shows', async () => {
    const response = await putPlain(SEED);
    const expected = {
      version: 1,
      builtIn: false,
      source: 'api',
      textHash: sha256Hex(SEED),
      publishedAt: '2026-11-22T10:00:00.000Z',
      publishedBy: 'local',
      text: SEED,
    };
    expect(response.statusCode).toBe(201);
    expect(JSON.parse(response.body)).toEqual(expected);
    expect(JSON.parse((await get()).body)).toEqual(expected);
    expect(store.all()).toEqual([
      {
        version: 1,
        text: SEED,
        textHash: sha256Hex(SEED),
        publishedAtMs: NOW_MS,
        source: 'api',
        publishedBy: 'local',
        // Its rules as read, stored beside it so readers compile without the YAML parser.
        form: storedFormOf(SEED),
      },
    ]);
    expect(JSON.parse(store.all()[0]?.form ?? '').rules).toHaveLength(1);
  });

  it('accepts a rule file PUT without ?source=, naming it by the route', async () => {
    const response = await putPlain(`${SEED}\n`);
    expect(problemOrNothing(response)).toBeUndefined();
    expect(response.statusCode).toBe(201);
    expect(JSON.parse(response.body)).toMatchObject({ version: 1, source: 'api' });
  });

  it('answers 200 with the active version, writing nothing, for the active text', async () => {
    expect((await put(SEED)).statusCode).toBe(201);
    const again = await put(SEED);
    expect(again.statusCode).toBe(200);
    expect(JSON.parse(again.body)).toMatchObject({ version: 1, text: SEED, source: SOURCE });
    expect(store.all()).toHaveLength(1);
  });

  it('publishes the next version for another text', async () => {
    await put(SEED);
    const next = await put(`${SEED}\nevent_type == "trade", 1\n`);
    expect(next.statusCode).toBe(201);
    expect(JSON.parse(next.body)).toMatchObject({ version: 2 });
    expect(JSON.parse((await get()).body)).toMatchObject({ version: 2 });
  });

  it('takes a base64 body and a source name', async () => {
    const response = await put(Buffer.from(SEED).toString('base64'), AUTHORIZED, {
      isBase64Encoded: true,
      query: { source: 'rules/likes.rules' },
    });
    expect(response.statusCode).toBe(201);
    expect(JSON.parse(response.body)).toMatchObject({ text: SEED, source: 'rules/likes.rules' });
  });

  it('answers 400 for a source name outside the pattern', async () => {
    const response = await put(SEED, AUTHORIZED, { query: { source: 'a b' } });
    expect(response.statusCode).toBe(400);
    expect(problemOf(response).type).toBe('/problems/invalid-source');
    expect(store.all()).toEqual([]);
  });

  it.each([
    ['no Authorization header', {}],
    ['another scheme', { authorization: 'Basic czNjcmV0' }],
    ['an empty bearer', { authorization: 'Bearer ' }],
  ])('answers 401 with WWW-Authenticate for %s when a token is set', async (_name, headers) => {
    const response = await put(SEED, headers);
    expect(response.statusCode).toBe(401);
    expect(response.headers?.['www-authenticate']).toBe('Bearer realm="tally-admin"');
    expect(problemOf(response)).toMatchObject({ type: '/problems/unauthorized', status: 401 });
    expect(store.publishCalls).toEqual([]);
  });

  it.each([['Bearer s3cre'], ['Bearer s3cret2'], ['Bearer S3CRET']])(
    'answers 403 for %j',
    async (authorization) => {
      const response = await put(SEED, { authorization });
      expect(response.statusCode).toBe(403);
      expect(problemOf(response)).toMatchObject({ type: '/problems/forbidden', status: 403 });
      expect(response.body).not.toContain('s3cret');
      expect(store.publishCalls).toEqual([]);
    },
  );

  it('checks the token before anything in the body', async () => {
    expect((await put('', { authorization: 'Bearer nope' })).statusCode).toBe(403);
    expect((await put('not a rule', {})).statusCode).toBe(401);
  });

  it.each([[undefined], ['']])(
    'lets PUT through without a header when the admin token is %j',
    async (token) => {
      adminToken = token;
      const response = await put(SEED, {});
      expect(response.statusCode).toBe(201);
      expect(JSON.parse(response.body)).toMatchObject({ version: 1 });
    },
  );

  it('answers 422 with every error positioned by line and column, publishing nothing', async () => {
    const response = await put(`${SEED}\nevent_type == , 5\n`);
    expect(response.statusCode).toBe(422);
    const problem = problemOf(response);
    expect(problem).toMatchObject({ type: '/problems/invalid-rules', status: 422 });
    expect(problem.errors).toEqual([{ line: 2, column: 14, message: expect.stringContaining('syntax') }]);
    expect(problem.detail).toContain('line 2, column 14');
    expect(store.publishCalls).toEqual([]);
  });

  it.each([[undefined], [''], ['  \n\t\n']])('answers 400 missing-body for the body %j', async (body) => {
    const response = await put(body);
    expect(response.statusCode).toBe(400);
    expect(problemOf(response).type).toBe('/problems/missing-body');
  });

  it('answers 413 for a body over 300 KB, counted in bytes', async () => {
    const justFits = `${SEED}\n#${'x'.repeat(RULE_SET_TEXT_BYTES_MAX - SEED.length - 2)}`;
    expect(Buffer.byteLength(justFits)).toBe(300 * 1024);
    expect((await put(justFits)).statusCode).toBe(201);

    const ascii = `${justFits}x`;
    const multiByte = `${SEED}\n#${'é'.repeat(160 * 1024)}`;
    expect(multiByte.length).toBeLessThan(RULE_SET_TEXT_BYTES_MAX);
    for (const body of [ascii, multiByte]) {
      const response = await put(body);
      expect(response.statusCode).toBe(413);
      expect(problemOf(response).type).toBe('/problems/body-too-large');
    }
    expect(store.all()).toHaveLength(1);
  });

  it('answers 409 with Retry-After when three publishes in a row lose the race', async () => {
    store.conflictsToInject = 3;
    const response = await put(SEED);
    expect(response.statusCode).toBe(409);
    expect(response.headers?.['retry-after']).toBe('1');
    expect(problemOf(response).type).toBe('/problems/publish-conflict');
    expect(store.publishCalls).toHaveLength(3);
    expect(store.all()).toEqual([]);
  });

  it('publishes on the third attempt after two lost races', async () => {
    store.conflictsToInject = 2;
    const response = await put(SEED);
    expect(response.statusCode).toBe(201);
    expect(store.publishCalls).toHaveLength(3);
    expect(store.all().map((ruleSet) => ruleSet.version)).toEqual([1]);
  });

  it('gives concurrent publishes of different texts dense versions', async () => {
    const texts = Array.from({ length: 3 }, (_, index) => `event_type == "t${index}", ${index + 1}`);
    const responses = await Promise.all(texts.map((text) => put(text)));
    expect(responses.map((response) => response.statusCode)).toEqual([201, 201, 201]);
    const versions = responses.map((response) => (JSON.parse(response.body) as { version: number }).version);
    expect([...versions].sort()).toEqual([1, 2, 3]);
    expect(JSON.parse((await get()).body)).toMatchObject({ version: 3 });
  });
});
