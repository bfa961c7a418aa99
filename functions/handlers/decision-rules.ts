import { decisionRulesDeps } from '#composition/decision-rules.ts';
import { adminToken, hashing, RULE_SET_TEXT_BYTES_MAX } from '#composition/lambda.ts';
import { authorizeAdmin } from '#http/admin.ts';
import {
  decisionRuleSetJson,
  getDecisionRules,
  publishableDecisionRules,
} from '#http/decision-rules-http.ts';
import { type HttpRequest, httpHandler, httpRoute } from '#http/handler.ts';
import { publishAnswer } from '#http/rules-publisher.ts';
import type { Clock } from '#ports/clock.ts';
import type { RuleSetStore } from '#ports/rule-sets.ts';

interface DecisionRulesDeps {
  ruleSets: RuleSetStore;
  clock: Clock;
}

const { sha256Hex: hash } = hashing;
const isPut = (request: HttpRequest) => request.method !== 'GET';

/**
 * The card decision rules, versioned as the points rules are: `GET /decision-rules` (active, or
 * `?version=N`), `GET /decision-rules/versions[/{version}]`, and `PUT /decision-rules` (admin):
 * the body's text as the next version, in force for every authorizer within RULES_REFRESH_MS.
 */
export const makeDecisionRulesHandler = (deps: () => DecisionRulesDeps, token = adminToken) =>
  httpRoute({
    admin: { token, when: isPut, authorize: authorizeAdmin },
    bodyBytesMax: RULE_SET_TEXT_BYTES_MAX,
    bodyTooLarge: `A rule set is at most ${RULE_SET_TEXT_BYTES_MAX} bytes.`,
    deps,
    run: async (request, { ruleSets, clock }) => {
      if (!isPut(request)) return getDecisionRules(request, ruleSets, hash);
      return publishAnswer(
        { ruleSets, clock, hash },
        await publishableDecisionRules(request),
        request.event,
        (ruleSet) => decisionRuleSetJson(ruleSet, hash),
      );
    },
  });

export const handler = httpHandler(makeDecisionRulesHandler(decisionRulesDeps));
