import { adminToken, hashing, RULE_SET_TEXT_BYTES_MAX, rulesDeps } from '#composition/lambda.ts';
import { authorizeAdmin } from '#http/admin.ts';
import { type HttpRequest, httpHandler, httpRoute } from '#http/handler.ts';
import { parseWith } from '#http/request.ts';
import { checkRules, ruleCheckBody } from '#http/rules-check.ts';
import { ruleSetJson } from '#http/rules-json.ts';
import { publishAnswer } from '#http/rules-publisher.ts';
import { getRules, publishable } from '#http/rules-read.ts';
import type { Clock } from '#ports/clock.ts';
import type { RuleSetStore } from '#ports/rule-sets.ts';

export interface RulesDeps {
  ruleSets: RuleSetStore;
  clock: Clock;
}

const { sha256Hex: hash } = hashing;
const isPut = (request: HttpRequest) => request.method === 'PUT';

/**
 * `GET /rules`: the active rule set (`?version=N`: that version). `GET /rules/versions`: every
 * published version, paginated; `GET /rules/versions/{version}`: one, with its text. `PUT /rules`
 * (admin): publishes the body's text as the next version; a text with no rules needs `?allowEmpty=true`.
 * `POST /rules/check`: compiles a candidate (and evaluates a sample fact) without publishing it.
 */
export const makeRulesHandler = (deps: () => RulesDeps, token = adminToken) =>
  httpRoute({
    admin: { token, when: isPut, authorize: authorizeAdmin },
    bodyBytesMax: RULE_SET_TEXT_BYTES_MAX,
    bodyTooLarge: `A rule set is at most ${RULE_SET_TEXT_BYTES_MAX} bytes.`,
    deps,
    run: async (request, { ruleSets, clock }) => {
      if (request.event.routeKey === 'POST /rules/check') {
        return checkRules(
          parseWith(ruleCheckBody, request.json()),
          hash,
          new Date(clock.nowMs()).toISOString(),
        );
      }
      if (!isPut(request)) return getRules(request, ruleSets, hash);
      return publishAnswer(
        { ruleSets, clock, hash },
        await publishable(request, hash),
        request.event,
        (ruleSet) => ruleSetJson(ruleSet, hash),
      );
    },
  });

export const handler = httpHandler(makeRulesHandler(rulesDeps));
