import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { makeRulesHandler } from '#handlers/rules.ts';
import { problemErrors } from '#http/middleware.ts';
import { apiRequest } from '../../support/api-request.ts';
import { lambdaContext, problemOf } from '../../support/http.ts';
import { InMemoryRuleSetStore } from '../../support/in-memory-rule-set-store.ts';

const logger = new Logger({ serviceName: 'tally-test', logLevel: 'SILENT' });
const NOW_MS = Date.parse('2026-11-22T10:00:00.000Z');
const store = new InMemoryRuleSetStore();
const handler = middy(
  makeRulesHandler(
    () => ({ ruleSets: store, clock: { nowMs: () => NOW_MS } }),
    () => 's3cret',
  ),
).use(problemErrors(logger));

function check(
  body: unknown,
): Promise<{ statusCode: number; body: string; headers?: Record<string, unknown> }> {
  const event = apiRequest({
    method: 'POST',
    route: '/rules/check',
    path: '/rules/check',
    body: JSON.stringify(body),
  });
  return handler(event, lambdaContext) as never;
}

const TRADE = 'event_type == "trade" && has(data.qty), data.qty * 5';

describe('POST /rules/check: a candidate compiled (and tried on a sample fact), nothing published', () => {
  it('answers every compile error with its line and column, as a 200 (the check worked)', async () => {
    const response = await check({ rules: `${TRADE}\nevent_type == , 3\n` });
    expect(response.statusCode).toBe(200);
    const answer = JSON.parse(response.body) as { ok: boolean; errors: { line: number; column: number }[] };
    expect(answer.ok).toBe(false);
    expect(answer.errors.length).toBeGreaterThan(0);
    expect(answer.errors[0]?.line).toBe(2);
    expect(answer.errors[0]?.column).toBeGreaterThan(0);
    expect(await store.versions(0, 10)).toEqual([]);
  });

  it('lists the rules of a text that compiles, with the text hash a publish would record', async () => {
    const response = await check({ rules: TRADE });
    const answer = JSON.parse(response.body) as { ok: boolean; rules: { line: number }[]; textHash: string };
    expect(answer).toMatchObject({ ok: true, errors: [] });
    expect(answer.rules).toHaveLength(1);
    expect(answer.rules[0]?.line).toBe(1);
    expect(answer.textHash).toBe(sha256Hex(TRADE));
  });

  it('evaluates a sample fact: the awards it earns, or the rule that failed on it', async () => {
    const earns = JSON.parse(
      (await check({ rules: TRADE, fact: { type: 'trade', subject: 'w1', data: { qty: 12 } } })).body,
    );
    expect(earns.fact).toEqual({ awards: [expect.objectContaining({ points: 60 })], failure: null });
    const other = JSON.parse((await check({ rules: TRADE, fact: { type: 'deposit', subject: 'w1' } })).body);
    expect(other.fact).toEqual({ awards: [], failure: null });
    const failing = JSON.parse(
      (
        await check({
          rules: 'event_type == "trade", data.qty * 5',
          fact: { type: 'trade', subject: 'w1', data: {} },
        })
      ).body,
    );
    expect(failing.fact.awards).toEqual([]);
    expect(failing.fact.failure).toMatchObject({ line: 1, reason: 'no_such_key' });
  });

  it('refuses a body that is not a check (400 with the field)', async () => {
    const response = await check({ rules: TRADE, fact: { type: 'trade' } });
    expect(response.statusCode).toBe(400);
    expect(problemOf(response).type).toContain('invalid-request');
  });
});
