import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { ActiveDecisionRules } from '#app/card-decision-rules.ts';
import { type CardAction, cardAction } from '#app/cards.ts';
import { DEFAULT_DECISION_RULES_TEXT } from '#app/default-decision-rules.ts';
import { makeDecisionRulesHandler } from '#handlers/decision-rules.ts';
import { problemErrors } from '#http/middleware.ts';
import { apiRequest } from '../../support/api-request.ts';
import { lambdaContext, problemOf } from '../../support/http.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import { InMemoryRuleSetStore } from '../../support/in-memory-rule-set-store.ts';

const logger = new Logger({ serviceName: 'tally-test', logLevel: 'SILENT' });
const NOW_MS = Date.parse('2026-12-06T10:00:00.000Z');
/** Declines anything over 100.00: a rule the built-in set does not have. */
const STRICT = 'small-only: amount_minor > 10000\n';

let store: InMemoryRuleSetStore;
let clock: { now: number; nowMs: () => number };
beforeEach(() => {
  store = new InMemoryRuleSetStore();
  clock = { now: NOW_MS, nowMs: () => clock.now };
});

const handler = middy(
  makeDecisionRulesHandler(
    () => ({ ruleSets: store, clock }),
    () => undefined,
  ),
).use(problemErrors(logger));

const event = (
  method: 'GET' | 'PUT',
  route: string,
  options: { body?: string; query?: Record<string, string>; pathParameters?: Record<string, string> } = {},
): APIGatewayProxyEventV2 => apiRequest({ method, route, path: route, ...options });

const call = (request: APIGatewayProxyEventV2) => handler(request, lambdaContext);
const body = (response: { body: string }) => JSON.parse(response.body) as Record<string, unknown>;

describe('/decision-rules: the card decision rules, versioned', () => {
  it('before any publish: version 0, the built-in text', async () => {
    const response = await call(event('GET', '/decision-rules'));
    expect(response.statusCode).toBe(200);
    expect(body(response)).toMatchObject({ version: 0, builtIn: true, text: DEFAULT_DECISION_RULES_TEXT });
  });

  it('PUT publishes the next version with who, when and the hash; the same text again publishes nothing', async () => {
    const first = await call(
      event('PUT', '/decision-rules', { body: STRICT, query: { source: 'cards.rules' } }),
    );
    expect(first.statusCode).toBe(201);
    expect(body(first)).toMatchObject({
      version: 1,
      builtIn: false,
      source: 'cards.rules',
      textHash: sha256Hex(STRICT),
      publishedAt: new Date(NOW_MS).toISOString(),
      publishedBy: 'local',
      text: STRICT,
    });
    const again = await call(event('PUT', '/decision-rules', { body: STRICT }));
    expect(again.statusCode).toBe(200);
    expect(body(again).version).toBe(1);
    await call(event('PUT', '/decision-rules', { body: DEFAULT_DECISION_RULES_TEXT }));

    const listed = body(await call(event('GET', '/decision-rules/versions')));
    expect(listed.versions).toMatchObject([
      { version: 1, rules: 1, textHash: sha256Hex(STRICT) },
      { version: 2, rules: 3 },
    ]);
    const one = await call(
      event('GET', '/decision-rules/versions/{version}', { pathParameters: { version: '1' } }),
    );
    expect(body(one)).toMatchObject({ version: 1, text: STRICT });
    expect(body(await call(event('GET', '/decision-rules'))).version).toBe(2);
    const missing = await call(event('GET', '/decision-rules', { query: { version: '9' } }));
    expect(missing.statusCode).toBe(404);
    expect(problemOf(missing).type).toBe('/problems/rule-set-version-not-found');
  });

  it('a text that does not compile is 422 invalid-rules, with its line; nothing published', async () => {
    const response = await call(
      event('PUT', '/decision-rules', { body: 'ok: amount_minor > 1\nbroken rule\n' }),
    );
    expect(response.statusCode).toBe(422);
    expect(problemOf(response)).toMatchObject({ type: '/problems/invalid-rules', errors: [{ line: 2 }] });
    expect(store.publishCalls).toHaveLength(0);
  });
});

describe('authorizations name the rule set version that decided them', () => {
  it('version 0 before a publish; the published version (and its rules) within the refresh time after', async () => {
    const events = new InMemoryEventStore();
    let ids = 0;
    const deps = {
      store: events,
      clock,
      ids: { newId: () => `id${++ids}` },
      decisionRules: new ActiveDecisionRules(store, clock, 1_000),
    };
    const act = async (action: CardAction) => {
      const outcome = await cardAction(
        deps,
        {
          accountId: 'a1',
          idempotency: { key: `k${++ids}`, payloadHash: `h${ids}` },
          respond: (recorded) => ({
            statusCode: 201,
            body: JSON.stringify(recorded.at(-1)?.data, (_k, v) => (typeof v === 'bigint' ? String(v) : v)),
          }),
        },
        action,
      );
      if (outcome.kind !== 'recorded') throw new Error(outcome.kind);
      return JSON.parse(outcome.response.body) as {
        decision: string;
        reasons: string[];
        ruleSetVersion: number;
      };
    };
    const merchant = { id: 'm1', mcc: '5942' };
    await act({ kind: 'open', creditLimit: 100_000n, currency: 'EUR' });
    expect(await act({ kind: 'authorize', amount: 20_000n, merchant })).toMatchObject({
      decision: 'approved',
      ruleSetVersion: 0,
    });
    await call(event('PUT', '/decision-rules', { body: STRICT }));
    clock.now += 1_000;
    expect(await act({ kind: 'authorize', amount: 20_000n, merchant })).toMatchObject({
      decision: 'declined',
      reasons: ['small-only'],
      ruleSetVersion: 1,
    });
    expect(await act({ kind: 'authorize', amount: 5_000n, merchant })).toMatchObject({
      decision: 'approved',
      ruleSetVersion: 1,
    });
  });
});
