import { publishRuleSet } from '#app/publish-rules.ts';
import { adminToken, hashing, RULE_SET_TEXT_BYTES_MAX, rulesDeps } from '#composition/lambda.ts';
import { type HttpRequest, httpHandler, httpRoute } from '#http/handler.ts';
import { badRequest, HttpProblem, jsonResult } from '#http/problem.ts';
import { problem } from '#http/problems.ts';
import { pageQuery } from '#http/query.ts';
import { bodyText } from '#http/request.ts';
import { ruleSetJson, ruleSetVersionJson } from '#http/rules-json.ts';
import { invalidRules } from '#http/rules-problem.ts';
import { publisherOf } from '#http/rules-publisher.ts';
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

/** A version number from the path or the query: 400 unless it is a whole number from 1 up. */
function versionNumber(text: string, name: string): number {
  const version = Number(text);
  if (!/^\d{1,8}$/.test(text) || version < 1) {
    throw badRequest('invalid-version', `${name} must be a published version number (1, 2, …).`);
  }
  return version;
}

const versionNotFound = (version: number) =>
  new HttpProblem({
    status: 404,
    code: 'rule-set-version-not-found',
    title: 'Not found',
    detail: `Rule set version ${version} is not published.`,
  });

/** How many rules a stored text has (it compiled when it was published); null if it no longer does. */
function ruleCount(text: string): number | null {
  const compiled = compileRuleSet(text, { hash });
  return compiled.ok ? compiled.ruleSet.rules.length : null;
}

async function getRules(request: HttpRequest, ruleSets: RuleSetStore) {
  const route = request.event.routeKey;
  if (route === 'GET /rules/versions') {
    const page = pageQuery(request.query);
    // One more than asked says whether there is a next page.
    const found = await ruleSets.versions(page.from.version, page.limit + 1);
    const shown = found.slice(0, page.limit);
    const next = found[page.limit];
    return jsonResult(
      200,
      JSON.stringify({
        versions: shown.map((ruleSet) => ruleSetVersionJson(ruleSet, ruleCount(ruleSet.text))),
        next: next === undefined ? null : encodeVersionCursor(next.version),
      }),
    );
  }
  const asked =
    route === 'GET /rules/versions/{version}'
      ? versionNumber(request.param('version') ?? '', 'version')
      : request.query.version === undefined
        ? undefined
        : versionNumber(request.query.version, 'version');
  if (asked === undefined) return jsonResult(200, JSON.stringify(ruleSetJson(await ruleSets.active(), hash)));
  // A version asked for is that version or a 404, never silently the active one.
  const stored = await ruleSets.version(asked);
  if (stored === undefined) throw versionNotFound(asked);
  return jsonResult(200, JSON.stringify(ruleSetJson(stored, hash)));
}

/** The same opaque cursor every listing gives out (functions/http/query.ts), lane 0. */
const encodeVersionCursor = (version: number): string =>
  Buffer.from(JSON.stringify({ lane: 0, version })).toString('base64url');

/**
 * `GET /rules`: the active rule set (`?version=N`: that version). `GET /rules/versions`: every
 * published version, paginated; `GET /rules/versions/{version}`: one, with its text. `PUT /rules`
 * (admin): publishes the body's text as the next version; a text with no rules needs `?allowEmpty=true`.
 */
export const makeRulesHandler = (deps: () => RulesDeps, token = adminToken) =>
  httpRoute({
    admin: { token, when: isPut },
    bodyBytesMax: RULE_SET_TEXT_BYTES_MAX,
    bodyTooLarge: `A rule set is at most ${RULE_SET_TEXT_BYTES_MAX} bytes.`,
    deps,
    run: async (request, { ruleSets, clock }) => {
      if (!isPut(request)) return getRules(request, ruleSets);
      const text = bodyText(request.event);
      if (text.trim() === '') throw badRequest('missing-body', 'Send the rule file text as the body.');
      const source = request.query.source ?? 'api';
      if (!SOURCE_PATTERN.test(source))
        throw badRequest('invalid-source', 'source must be 1-200 of A-Z a-z 0-9 _ . / @ : -');
      const allowEmpty = request.query.allowEmpty;
      if (allowEmpty !== undefined && allowEmpty !== 'true' && allowEmpty !== 'false')
        throw badRequest('invalid-allow-empty', 'allowEmpty must be true or false.');
      const compiled = compileRuleSet(text, { hash, source });
      if (!compiled.ok) throw invalidRules(compiled.errors);
      if (compiled.ruleSet.rules.length === 0 && allowEmpty !== 'true') {
        // `curl -d @file` strips newlines, so a whole file can arrive as one comment line.
        throw new HttpProblem({
          status: 422,
          code: 'empty-rules',
          title: 'Empty rule set',
          detail:
            'The rule set has no rules, so nothing would earn points. Send the file with --data-binary (curl -d strips newlines), or add ?allowEmpty=true to publish it anyway.',
        });
      }
      const outcome = await publishRuleSet(
        { ruleSets, clock, hash },
        text,
        source,
        publisherOf(request.event),
      );
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
