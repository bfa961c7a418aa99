import { publishRuleSet } from '#app/publish-rules.ts';
import { adminToken, hashing, RULE_SET_TEXT_BYTES_MAX, rulesDeps } from '#composition/lambda.ts';
import { type HttpRequest, httpHandler, httpRoute } from '#http/handler.ts';
import { badRequest, jsonResult } from '#http/problem.ts';
import { problem } from '#http/problems.ts';
import { bodyText } from '#http/request.ts';
import { ruleSetJson } from '#http/rules-json.ts';
import { invalidRules } from '#http/rules-problem.ts';
import type { Clock } from '#ports/clock.ts';
import type { RuleSetStore } from '#ports/rule-sets.ts';
import { compileRuleSet } from '#rules/rule-set.ts';

const SOURCE_PATTERN = /^[\w./@:-]{1,200}$/;

export interface RulesDeps {
  ruleSets: RuleSetStore;
  clock: Clock;
}

const { sha256Hex: hash } = hashing;
const isPut = (request: HttpRequest) => request.method !== 'GET';

/** `GET /rules`: the active rule set. `PUT /rules` (admin): publishes the body's text as the next version. */
export const makeRulesHandler = (deps: () => RulesDeps, token = adminToken) =>
  httpRoute({
    admin: { token, when: isPut },
    bodyBytesMax: RULE_SET_TEXT_BYTES_MAX,
    bodyTooLarge: `A rule set is at most ${RULE_SET_TEXT_BYTES_MAX} bytes.`,
    deps,
    run: async (request, { ruleSets, clock }) => {
      if (!isPut(request)) return jsonResult(200, JSON.stringify(ruleSetJson(await ruleSets.active(), hash)));
      const text = bodyText(request.event);
      if (text.trim() === '') throw badRequest('missing-body', 'Send the rule file text as the body.');
      const source = request.query.source ?? 'api';
      if (!SOURCE_PATTERN.test(source))
        throw badRequest('invalid-source', 'source must be 1-200 of A-Z a-z 0-9 _ . / @ : -');
      const compiled = compileRuleSet(text, { hash, source });
      if (!compiled.ok) throw invalidRules(compiled.errors);
      const outcome = await publishRuleSet({ ruleSets, clock, hash }, text, source);
      if (outcome.kind === 'conflict') {
        throw problem(
          'publish-conflict',
          'Other publishes kept winning the race for the next version; retry.',
        );
      }
      const status = outcome.kind === 'published' ? 201 : 200;
      return jsonResult(status, JSON.stringify(ruleSetJson(outcome.ruleSet, hash)));
    },
  });

export const handler = httpHandler(makeRulesHandler(rulesDeps));
