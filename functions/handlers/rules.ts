import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { systemClock } from '#adapters/clock.ts';
import { sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { RULE_SET_TEXT_BYTES_MAX } from '#adapters/dynamodb/rule-sets.ts';
import { storesFromEnv } from '#adapters/dynamodb/stores.ts';
import { DEFAULT_RULES_SOURCE, DEFAULT_RULES_TEXT } from '#app/default-rules.ts';
import { authorizeAdmin } from '#http/admin.ts';
import { problemErrors } from '#http/middleware.ts';
import { logger } from '#http/observability.ts';
import { badRequest, HttpProblem, type HttpResult, jsonResult } from '#http/problem.ts';
import { invalidRules } from '#http/rules-problem.ts';
import { ENV } from '#lib/wiring.ts';
import type { Clock } from '#ports/clock.ts';
import type { RuleSetStore, StoredRuleSet } from '#ports/rule-sets.ts';
import { compileRuleSet } from '#rules/rule-set.ts';

const PUBLISH_ATTEMPTS_MAX = 3;
const SOURCE_PATTERN = /^[\w./@:-]{1,200}$/;

export interface RulesDeps {
  ruleSets: RuleSetStore;
  clock: Clock;
  /** The bearer token PUT needs when set (local runs); in AWS the route's IAM authorizer guards it. */
  adminToken: string | undefined;
}

const describe = (ruleSet: StoredRuleSet | undefined) =>
  ruleSet === undefined
    ? {
        version: 0,
        builtIn: true,
        source: DEFAULT_RULES_SOURCE,
        textHash: sha256Hex(DEFAULT_RULES_TEXT),
        publishedAt: null,
        text: DEFAULT_RULES_TEXT,
      }
    : {
        version: ruleSet.version,
        builtIn: false,
        source: ruleSet.source ?? null,
        textHash: ruleSet.textHash,
        publishedAt: new Date(ruleSet.publishedAtMs).toISOString(),
        text: ruleSet.text,
      };

export function makeRulesHandler(deps: () => RulesDeps) {
  return async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
    const { ruleSets, clock, adminToken } = deps();
    const method = event.requestContext.http.method.toUpperCase();
    if (method === 'GET') return jsonResult(200, JSON.stringify(describe(await ruleSets.active())));

    authorizeAdmin(event, adminToken);
    const text = event.isBase64Encoded
      ? Buffer.from(event.body ?? '', 'base64').toString('utf8')
      : (event.body ?? '');
    if (text.trim() === '') throw badRequest('missing-body', 'Send the rule file text as the body.');
    if (Buffer.byteLength(text, 'utf8') > RULE_SET_TEXT_BYTES_MAX) {
      throw new HttpProblem({
        status: 413,
        code: 'body-too-large',
        title: 'Content too large',
        detail: `A rule set is at most ${RULE_SET_TEXT_BYTES_MAX} bytes.`,
      });
    }
    const source = event.queryStringParameters?.source ?? 'api';
    if (!SOURCE_PATTERN.test(source))
      throw badRequest('invalid-source', 'source must be 1-200 of A-Z a-z 0-9 _ . / @ : -');
    const compiled = compileRuleSet(text, { hash: sha256Hex, source });
    if (!compiled.ok) throw invalidRules(compiled.errors);
    for (let attempt = 0; attempt < PUBLISH_ATTEMPTS_MAX; attempt++) {
      const outcome = await ruleSets.publish({
        text,
        textHash: sha256Hex(text),
        publishedAtMs: clock.nowMs(),
        source,
      });
      if (outcome.kind === 'published') return jsonResult(201, JSON.stringify(describe(outcome.ruleSet)));
      if (outcome.kind === 'unchanged') return jsonResult(200, JSON.stringify(describe(outcome.ruleSet)));
    }
    throw new HttpProblem({
      status: 409,
      code: 'publish-conflict',
      title: 'Conflict',
      detail: 'Other publishes kept winning the race for the next version; retry.',
      headers: { 'retry-after': '1' },
    });
  };
}

export const handler = middy(
  makeRulesHandler(() => ({
    ruleSets: storesFromEnv().ruleSets,
    clock: systemClock,
    adminToken: process.env[ENV.adminToken],
  })),
)
  .use(injectLambdaContext(logger))
  .use(problemErrors(logger));
